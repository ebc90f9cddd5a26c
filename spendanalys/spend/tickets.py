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
from spendanalys.spend.coding import (
    Vocabulary,
    column,
    encode,
    on_uniques,
    spread,
    take_codes,
    used_codes,
)

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
    group, and that category differs from the agreement's; None elsewhere (object array)."""
    linked_codes, linked_ids = encode(column(lines, "linked_agreement_id"))
    of_agreement = np.full(len(linked_ids), None, dtype=object)
    if len(agreement_categories):
        of_agreement = on_uniques(
            lambda u: u.map(agreement_categories["category_id"]).astype("object"), linked_ids
        )
    account_codes, accounts = encode(column(lines, "account"))
    by_account = on_uniques(lambda u: category_from_account(u, rules), accounts)
    vocabulary = Vocabulary()
    codes = ticket_codes(
        vocabulary,
        (linked_codes, of_agreement),
        (account_codes, by_account),
        encode(column(lines, "text")),
        rules,
        open_rows,
    )
    return spread(vocabulary.array(), codes)


def ticket_codes(
    vocabulary: Vocabulary,
    agreements: tuple[np.ndarray, np.ndarray],
    accounts: tuple[np.ndarray, np.ndarray],
    text: tuple[np.ndarray, np.ndarray],
    rules: CategoryRules,
    open_rows: np.ndarray,
) -> np.ndarray:
    """:func:`travel_tickets` on encoded columns: ``agreements`` and ``accounts`` are each the
    rows' codes and the category id per distinct value (the agreement's category, the
    account's), ``text`` the rows' codes and distinct texts. Per row the code in
    ``vocabulary`` of the ticket's category, -1 elsewhere; rows compare integer codes only."""
    tree = rules.tree.dropna(subset=["group_id"])
    travel = sorted(set(tree.loc[tree["group_id"] == TRAVEL_GROUP, "category_id"]))
    found = np.full(len(open_rows), -1, dtype=np.intp)
    if not travel or not open_rows.any():
        return found
    of_agreement = take_codes(vocabulary.codes(agreements[1]), agreements[0])
    by_account = take_codes(vocabulary.codes(accounts[1]), accounts[0])
    travel_codes = vocabulary.codes(np.array(travel, dtype=object))
    text_codes, texts = text

    def is_travel(codes: np.ndarray) -> np.ndarray:
        flags = np.zeros(len(vocabulary.values) + 1, dtype=bool)  # the last: code -1
        flags[travel_codes] = True
        hits: np.ndarray = flags[codes]
        return hits

    candidates = open_rows & (is_travel(of_agreement) | is_travel(by_account))
    if not candidates.any():
        return found
    per_text = on_uniques(
        lambda u: category_from_keywords(u, rules),
        texts,
        used_codes(text_codes, candidates, len(texts)),
    )
    named = np.where(candidates, take_codes(vocabulary.codes(per_text), text_codes), -1)
    # A line of an agreement: the ticket beats the agreement's category. An unlinked line: only
    # where the ticket differs from its account's category (else the account rule places it).
    differs = (named != of_agreement) & ((of_agreement >= 0) | (named != by_account))
    ticket = candidates & is_travel(named) & differs
    np.copyto(found, named, where=ticket)
    return found
