"""Tickets bought through the travel agency, priced as what they are.

The travel agency's agreement is categorised as its fee ("Resebyråtjänster", 0.0087 kg/SEK in
the default set), and its category carries over to every line of it; but most of its invoice
lines are tickets and hotel nights ("Flygbiljett ARN-GOT", "Tågbiljett Stockholm-Malmö"), which
the text names. Rule ``travel_ticket`` places such a line in the travel category its text names,
before the agreement's category (DESIGN.md §2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendanalys.spend.categories import (
    CategoryRules,
    category_from_account,
    category_from_keywords,
)
from spendanalys.spend.coding import column, map_unique

TRAVEL_TICKET = "travel_ticket"
# The category group of travel and accommodation in the tree (categories.csv).
TRAVEL_GROUP = "travel_accommodation"


def travel_tickets(
    lines: pd.DataFrame,
    agreement_categories: pd.DataFrame,
    rules: CategoryRules,
    open_rows: np.ndarray,
) -> np.ndarray:
    """The travel category a line's text names (keywords: "flygbiljett", "tågbiljett",
    "hotell"…) where the line is on a travel account or linked to an agreement in the travel
    group, and that category differs from the agreement's; None elsewhere."""
    tree = rules.tree.dropna(subset=["group_id"])
    travel = set(tree.loc[tree["group_id"] == TRAVEL_GROUP, "category_id"])
    found = np.full(len(lines), None, dtype=object)
    if not travel or not open_rows.any():
        return found
    linked = column(lines, "linked_agreement_id")
    of_agreement = np.full(len(lines), None, dtype=object)
    if len(agreement_categories):
        of_agreement = map_unique(
            linked, lambda u: u.map(agreement_categories["category_id"]).astype("object")
        )
    by_account = map_unique(column(lines, "account"), lambda u: category_from_account(u, rules))
    on_travel = np.isin(of_agreement.astype(str), list(travel)) | np.isin(
        by_account.astype(str), list(travel)
    )
    candidates = open_rows & on_travel
    if not candidates.any():
        return found
    text = column(lines, "text")
    named = np.full(len(lines), None, dtype=object)
    named[candidates] = map_unique(text[candidates], lambda u: category_from_keywords(u, rules))
    # A line of an agreement: the ticket beats the agreement's category. An unlinked line: only
    # where the ticket differs from its account's category (else the account rule places it).
    differs = (named != of_agreement) & (pd.notna(of_agreement) | (named != by_account))
    ticket = candidates & np.isin(named.astype(str), list(travel)) & differs
    found[ticket] = named[ticket]
    return found
