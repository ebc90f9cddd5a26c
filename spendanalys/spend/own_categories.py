"""A factor set's own categories: names the category tree does not know become categories.

An agency's factor table (from a consultant, a previous miljöspendanalys) names its own
vocabulary ("IT-tjänster", "Måltidstjänster"). DESIGN.md §2: an explicit category that names a
category of the factor set in use is taken as it is, so such a name joins the tree in the group
"Egna kategorier" with an alias for itself, and needs no other file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from spendanalys.spend.categories import CategoryRules, fold

# The group a factor set's own categories join (DESIGN.md §2: an explicit category that names a
# category of the factor set in use is taken as it is).
OWN_GROUP = {"group_id": "own", "group_sv": "Egna kategorier", "group_en": "Own categories"}
OWN_PREFIX = "own:"


def own_category_id(name: str) -> str:
    """A stable id for a category a factor set names but the tree lacks: ``own:`` + the name
    folded (case, spaces and punctuation away), so "IT-tjänster" and "it tjänster" are one."""
    return OWN_PREFIX + fold(name)


def with_own_categories(rules: CategoryRules, names: Sequence[str]) -> CategoryRules:
    """``rules`` with a tree row (group "Egna kategorier") and an alias for each name in
    ``names`` that no category id, name or alias of the tree matches. The name as written is
    the category's Swedish and English name; matching a register's or an invoice's category
    text to it then needs no other file."""
    known = set(rules.aliases["key"])
    rows: dict[str, str] = {}
    for name in names:
        key = fold(str(name))
        if key and key not in known and own_category_id(str(name)) not in rows:
            rows[own_category_id(str(name))] = str(name).strip()
    if not rows:
        return rules
    added = pd.DataFrame(
        {
            "category_id": list(rows),
            **{k: [v] * len(rows) for k, v in OWN_GROUP.items()},
            "name_sv": list(rows.values()),
            "name_en": list(rows.values()),
            "description_en": ["a category of the factor set in use"] * len(rows),
        }
    ).astype("string")
    aliases = pd.DataFrame(
        {"key": [fold(v) for v in rows.values()], "category_id": list(rows)}
    ).astype("string")
    return replace(
        rules,
        tree=pd.concat([rules.tree, added], ignore_index=True),
        aliases=pd.concat([rules.aliases, aliases], ignore_index=True),
    )
