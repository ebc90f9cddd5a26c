"""Placing agreements and invoice lines in a purchase category, recording the rule that did it.

The rules themselves (CPV prefixes, account ranges, supplier table, keywords, aliases) are data in
``spendanalys.spend.categories``; this module only decides the order in which they are tried
(DESIGN.md §2) and applies each matcher once per distinct value, so a million lines cost a few
thousand matcher calls' worth of work.

Rules per agreement (``category_rule`` of the agreements table): ``user_override`` (a user's
category mapping, see :func:`match_user_overrides`) → ``category`` (the register's
category text names a category by id, name or alias) → ``cpv`` → ``supplier`` → ``keyword`` (in
the agreement name, then the supplier name) → ``uncategorised``.

Rules per line: ``excluded_account`` (an account that is not a purchase: salaries, taxes,
transfers; the line is marked ``excluded``) → ``user_override`` (a user's mapping of the line's
agreement, org number, supplier or account, else of its agreement) → ``explicit`` (a
``category`` column on the line naming a category, the factor set's own ones included) →
``travel_ticket`` (a line of a travel agreement or on a travel account whose text names another
travel category: "Flygbiljett ARN-GOT" on the travel agency's agreement is air travel, not the
agency's fee) → ``agreement_category`` / ``agreement_cpv`` (the linked agreement's category from its category text
or CPV code) → ``cpv`` (a ``cpv`` column on the line) → ``account`` → ``supplier`` → ``keyword``
(invoice text, then supplier name) → ``uncategorised``.

A user's mapping keeps who made it and when in ``category_override``, so a drill-down or report
shows that a person, not a rule, placed the line.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import numpy as np
import pandas as pd

from spendanalys.spend.categories import (
    CategoryRules,
    category_from_account,
    category_from_alias,
    category_from_cpv,
    category_from_keywords,
    category_from_supplier,
    excluded_account,
)
from spendanalys.spend.coding import (
    Vocabulary,
    as_categorical,
    categorical_from_codes,
    column,
    encode,
    map_unique,
    missing,
    on_uniques,
    spread,
    take_codes,
    used_codes,
)
from spendanalys.spend.linking import (
    normalise_agreement_id,
    normalise_org_number,
    normalise_supplier_name,
)
from spendanalys.spend.tickets import TRAVEL_TICKET, ticket_codes

USER_OVERRIDE = "user_override"
# A user's mappings, most specific first: the agreement, the supplier's org number, its name, the
# account. Keys are compared the way the linker compares them.
OVERRIDE_PRECEDENCE: tuple[str, ...] = ("agreement_id", "org_number", "supplier", "account")
_OVERRIDE_KEYS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "agreement_id": normalise_agreement_id,
    "org_number": normalise_org_number,
    "supplier": normalise_supplier_name,
    "account": lambda s: s.astype("string").str.strip().mask(lambda v: v == ""),
}
LINE_RULES: tuple[str, ...] = (
    "excluded_account",
    USER_OVERRIDE,
    "explicit",
    TRAVEL_TICKET,
    "agreement_category",
    "agreement_cpv",
    "cpv",
    "account",
    "supplier",
    "keyword",
    "uncategorised",
)
AGREEMENT_RULES: tuple[str, ...] = (
    USER_OVERRIDE,
    "category",
    "cpv",
    "supplier",
    "keyword",
    "uncategorised",
)


def _key(text: pd.Series) -> pd.Series:
    return text.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def resolve_category_text(
    text: pd.Series, rules: CategoryRules, known: Collection[str] | None = None
) -> np.ndarray:
    """Category ids named by free text: a category id, its Swedish or English name, or an alias.

    Ids and names are compared casefolded with whitespace collapsed; aliases go through
    ``category_from_alias``. With ``known``, only ids in it are accepted (an explicit category
    must name a category of the factor set in use). Object array aligned to ``text``, None where
    nothing matches.
    """
    return map_unique(text, _category_text_resolver(rules, known))


def _category_text_resolver(
    rules: CategoryRules, known: Collection[str] | None
) -> Callable[[pd.Series], pd.Series]:
    """The matcher behind :func:`resolve_category_text`, for a Series of distinct texts."""
    tree = rules.tree
    lookup: dict[str, str] = {}
    for name in ("name_en", "name_sv", "category_id"):  # later columns win on a clash
        if name in tree:
            keys = _key(tree[name])
            for k, cid in zip(keys, tree["category_id"].astype("string"), strict=True):
                if isinstance(k, str) and k:
                    lookup[k] = cid

    def resolve(uniques: pd.Series) -> pd.Series:
        direct = _key(uniques).map(lookup).astype("object")
        absent = direct.isna().to_numpy()
        if absent.any():
            alias = category_from_alias(uniques[absent].reset_index(drop=True), rules)
            direct[absent] = alias.astype("object").to_numpy()
        if known is not None:
            direct = direct.where(direct.isin(list(known)))
        return direct

    return resolve


def _provenance(overrides: pd.DataFrame) -> pd.Series:
    """ "who, when (scope key)" per override row, e.g. ``anna, 2026-11-25 10:12 UTC (org_number
    556677-8899)``; who and when are left out when the table lacks them."""
    scope_key = "(" + overrides["scope"].astype(str) + " " + overrides["key"].astype(str) + ")"
    parts = []
    if "created_by" in overrides:
        parts.append(overrides["created_by"].astype("string").fillna("?"))
    if "created_at" in overrides:
        when = pd.to_datetime(overrides["created_at"], errors="coerce", utc=True)
        parts.append(when.dt.strftime("%Y-%m-%d %H:%M UTC").astype("string").fillna("?"))
    if not parts:
        return scope_key
    who_when = parts[0] if len(parts) == 1 else parts[0] + ", " + parts[1]
    return (who_when + " " + scope_key).astype("string")


def _looked_up(
    normalise: Callable[[pd.Series], pd.Series], mapping: Mapping[object, str]
) -> Callable[[pd.Series], pd.Series]:
    """Keys normalised by ``normalise``, then looked up in ``mapping`` (NaN where absent)."""

    def look_up(values: pd.Series) -> pd.Series:
        return normalise(values).map(mapping)

    return look_up


def match_user_overrides(
    frame: pd.DataFrame, overrides: pd.DataFrame | None, columns: Mapping[str, str]
) -> pd.DataFrame:
    """The user's category mapping of each row of ``frame``, aligned to it.

    ``overrides`` has ``scope`` (one of ``OVERRIDE_PRECEDENCE``), ``key``, ``category_id`` and
    optionally ``created_by``/``created_at`` (the mappings in force, one per scope and key; a
    later row for the same scope and key wins). ``columns`` names the column of ``frame`` that
    holds each scope's key. Keys are compared normalised (org numbers as 10 digits, supplier
    names folded, agreement ids casefolded), the most specific scope first. Returns
    ``category_id`` and ``category_override`` (who, when and which mapping), None where no
    mapping applies (object arrays in a DataFrame).
    """
    n = len(frame)
    category = np.full(n, None, dtype=object)
    note = np.full(n, None, dtype=object)
    if overrides is not None and len(overrides):
        usable = overrides[overrides["category_id"].notna()]
        usable = usable.assign(_note=_provenance(usable).to_numpy())
        for scope in OVERRIDE_PRECEDENCE:
            name = columns.get(scope)
            chosen = usable[usable["scope"].astype(str) == scope]
            if name is None or name not in frame or chosen.empty:
                continue
            normalise = _OVERRIDE_KEYS[scope]
            keys = normalise(chosen["key"].astype("string")).to_numpy()
            cats = dict(zip(keys, chosen["category_id"].astype(str), strict=True))
            notes = dict(zip(keys, chosen["_note"].astype(str), strict=True))
            cats.pop(pd.NA, None)
            open_rows = missing(category)
            values = frame[name].astype("string")
            found = map_unique(values, _looked_up(normalise, cats))
            why = map_unique(values, _looked_up(normalise, notes))
            hit = open_rows & ~missing(found)
            category[hit] = found[hit]
            note[hit] = why[hit]
    return pd.DataFrame({"category_id": category, "category_override": note}, index=frame.index)


class _Placer:
    """Fills category ids rule by rule; each rule only sees the rows still open. Rows hold the
    integer code of their category in ``vocabulary`` (-1: none yet), never a string."""

    def __init__(self, n: int, rules: tuple[str, ...]) -> None:
        self.vocabulary = Vocabulary()
        self.codes = np.full(n, -1, dtype=np.intp)
        # The rule of each row as its position in ``rules``: a Categorical's codes, not text.
        self.rules = rules
        self.rule_codes = np.full(n, rules.index("uncategorised"), dtype=np.intp)
        self.open = np.ones(n, dtype=bool)

    @property
    def category(self) -> np.ndarray:
        """The category id of each row (object array, None where none)."""
        return spread(self.vocabulary.array(), self.codes)

    @property
    def rule(self) -> np.ndarray:
        """The rule of each row as text (object array)."""
        return np.asarray(self.rules, dtype=object)[self.rule_codes]

    def rule_is(self, rule: str) -> np.ndarray:
        hits: np.ndarray = self.rule_codes == self.rules.index(rule)
        return hits

    def place_codes(self, rule: str, codes: np.ndarray) -> np.ndarray:
        """Place the open rows whose ``codes`` (into ``vocabulary``) are set; the rows placed."""
        hit = self.open & (codes >= 0)
        if hit.any():
            # copyto with a mask: one pass, where ``a[hit] = b[hit]`` gathers then scatters
            np.copyto(self.codes, codes, where=hit)
            np.copyto(self.rule_codes, self.rules.index(rule), where=hit)
            self.open &= ~hit
        return hit

    def place(self, rule: str, found: np.ndarray) -> None:
        """Place the open rows where ``found`` (a row-aligned object array) has a category."""
        self.place_codes(rule, self.vocabulary.row_codes(found))

    def place_per_unique(self, rule: str, codes: np.ndarray, per_unique: np.ndarray) -> None:
        """Place the open rows by a result per distinct value (``per_unique[codes]``)."""
        self.place_codes(rule, take_codes(self.vocabulary.codes(per_unique), codes))

    def run_coded(
        self,
        rule: str,
        codes: np.ndarray,
        uniques: np.ndarray,
        func: Callable[[pd.Series], pd.Series],
    ) -> None:
        """Apply a single-column matcher to the distinct values of the open rows only."""
        if not self.open.any():
            return
        per_unique = on_uniques(func, uniques, used_codes(codes, self.open, len(uniques)))
        self.place_per_unique(rule, codes, per_unique)

    def run(self, rule: str, values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> None:
        """:meth:`run_coded` on a column."""
        self.run_coded(rule, *encode(values), func)

    def run_pairs(
        self,
        rule: str,
        first: pd.Series,
        second: pd.Series,
        func: Callable[[pd.Series, pd.Series], pd.Series],
        coded: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        """Apply a two-column matcher once per distinct pair of the open rows (``coded``: the
        two columns' ``encode`` when the caller has it)."""
        if not self.open.any():
            return
        (a_codes, a_uniques), (b_codes, b_uniques) = coded or (encode(first), encode(second))
        rows = np.flatnonzero(self.open)
        width = len(b_uniques) + 1
        pair = (a_codes[rows].astype(np.int64) + 1) * width + (b_codes[rows] + 1)
        inverse, keys = pd.factorize(pair)  # hashing, not sorting, the pairs
        ua = pd.Series(spread(a_uniques, keys // width - 1), dtype="string")
        ub = pd.Series(spread(b_uniques, keys % width - 1), dtype="string")
        result = pd.Series(func(ua, ub))
        per_pair = result.astype("object").where(result.notna(), None).to_numpy(dtype=object)
        codes = np.full(len(self.open), -1, dtype=np.intp)
        codes[rows] = self.vocabulary.codes(per_pair)[np.asarray(inverse, dtype=np.intp)]
        self.place_codes(rule, codes)


def _known_only(found: np.ndarray, known: Collection[str] | None) -> np.ndarray:
    """``found`` with ids outside ``known`` set to None; tested once per distinct id."""
    if known is None:
        return found
    codes, uniques = encode(found)
    keep = np.append(np.array([v in known for v in uniques], dtype=bool), False)[codes]
    return np.where(keep, found, None)  # type: ignore[call-overload,no-any-return]


def categorise_agreements(
    contracts: pd.DataFrame,
    rules: CategoryRules,
    known: Collection[str] | None = None,
    overrides: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``category_id``, ``category_rule`` and ``category_override`` per agreement, aligned to
    ``contracts``.

    Order: the user's mapping (``overrides``, see :func:`match_user_overrides`; by agreement id,
    org number or supplier name) → the register's category text (id, name or alias; ids in
    ``known`` only when given) → CPV prefix → supplier table → keywords in the agreement name,
    then in the supplier name. ``category_override`` says who mapped it and when.
    """
    placer = _Placer(len(contracts), AGREEMENT_RULES)
    mapped = match_user_overrides(
        contracts,
        overrides,
        {"agreement_id": "agreement_id", "org_number": "org_number", "supplier": "supplier"},
    )
    placer.place(USER_OVERRIDE, _known_only(mapped["category_id"].to_numpy(), known))
    placer.place("category", resolve_category_text(column(contracts, "category"), rules, known))
    placer.run("cpv", column(contracts, "cpv"), lambda u: category_from_cpv(u, rules))
    placer.run_pairs(
        "supplier",
        column(contracts, "org_number"),
        column(contracts, "supplier"),
        lambda a, b: category_from_supplier(a, b, rules),
    )
    for text_column in ("name", "supplier"):
        placer.run(
            "keyword", column(contracts, text_column), lambda u: category_from_keywords(u, rules)
        )
    return pd.DataFrame(
        {
            "category_id": pd.array(placer.category, dtype="string"),
            "category_rule": pd.array(placer.rule, dtype="string"),
            "category_override": pd.array(
                np.where(  # type: ignore[call-overload]
                    placer.rule_is(USER_OVERRIDE), mapped["category_override"].to_numpy(), None
                ),
                dtype="string",
            ),
        },
        index=contracts.index,
    )


def categorise_lines(
    lines: pd.DataFrame,
    agreement_categories: pd.DataFrame,
    rules: CategoryRules,
    known: Collection[str] | None = None,
    overrides: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``category_id``, ``category_rule``, ``category_override`` (Categoricals) and ``excluded``
    per invoice line.

    ``lines`` are linked invoice lines (``linked_agreement_id``); ``agreement_categories`` is
    indexed by agreement id with ``category_id`` and ``category_rule`` from
    :func:`categorise_agreements`; only its ``user_override``, ``category`` and ``cpv`` placements
    carry over to the lines (a supplier or keyword guess about the agreement is weaker than the
    line's own account). A user's mapping of the line itself (``overrides``: its linked
    agreement, org number, supplier or account) comes before its agreement's. Excluded lines get
    no category.
    """
    n = len(lines)
    placer = _Placer(n, LINE_RULES)
    # Each key column is encoded once; every rule below works on its distinct values.
    account_codes, accounts = encode(column(lines, "account"))
    account_series = pd.Series(accounts, dtype="string")
    excluded_of = excluded_account(account_series, rules).to_numpy(dtype=bool)
    excluded = np.append(excluded_of, False)[account_codes]
    placer.rule_codes[excluded] = LINE_RULES.index("excluded_account")
    placer.open &= ~excluded
    # The override text of the rows a user's mapping placed (made only when there are some).
    note: np.ndarray | None = None
    if overrides is not None and len(overrides):
        mapped = match_user_overrides(
            lines,
            overrides,
            {
                "agreement_id": "linked_agreement_id",
                "org_number": "org_number",
                "supplier": "supplier",
                "account": "account",
            },
        )
        note = mapped["category_override"].to_numpy()
        placer.place(USER_OVERRIDE, _known_only(mapped["category_id"].to_numpy(), known))
    linked_codes, linked_ids = encode(column(lines, "linked_agreement_id"))
    if len(agreement_categories) and "category_override" in agreement_categories:
        by_user = agreement_categories[
            agreement_categories["category_rule"].astype("object").eq(USER_OVERRIDE).to_numpy()
        ]
        if len(by_user):
            cat = on_uniques(lambda u: u.map(by_user["category_id"]).astype("object"), linked_ids)
            why = on_uniques(
                lambda u: u.map(by_user["category_override"]).astype("object"), linked_ids
            )
            before = placer.open.copy()
            placer.place_per_unique(USER_OVERRIDE, linked_codes, cat)
            fill = before & ~placer.open
            if note is None:
                note = np.full(n, None, dtype=object)
            note = np.where(fill, spread(why, linked_codes), note)
    if "category" in lines:
        placer.run_coded(
            "explicit", *encode(lines["category"]), _category_text_resolver(rules, known)
        )
    account_category = on_uniques(lambda u: category_from_account(u, rules), accounts)
    text = encode(column(lines, "text"))
    of_agreement = np.full(len(linked_ids), None, dtype=object)
    if len(agreement_categories):
        of_agreement = on_uniques(
            lambda u: u.map(agreement_categories["category_id"]).astype("object"), linked_ids
        )
    placer.place_codes(
        TRAVEL_TICKET,
        ticket_codes(
            placer.vocabulary,
            (linked_codes, of_agreement),
            (account_codes, account_category),
            text,
            rules,
            placer.open,
        ),
    )
    if "linked_agreement_id" in lines and len(agreement_categories):
        rule_of = agreement_categories["category_rule"].astype("object")
        carried = agreement_categories[rule_of.isin(["category", "cpv"]).to_numpy()]
        cat = on_uniques(lambda u: u.map(carried["category_id"]).astype("object"), linked_ids)
        how = on_uniques(lambda u: u.map(carried["category_rule"]).astype("object"), linked_ids)
        none = np.array(None, dtype=object)
        placer.place_per_unique(
            "agreement_category", linked_codes, np.where(how == "category", cat, none)
        )
        placer.place_per_unique("agreement_cpv", linked_codes, np.where(how == "cpv", cat, none))
    if "cpv" in lines:
        placer.run("cpv", lines["cpv"], lambda u: category_from_cpv(u, rules))
    placer.place_per_unique("account", account_codes, account_category)
    org = encode(column(lines, "org_number"))
    supplier = encode(column(lines, "supplier"))
    placer.run_pairs(
        "supplier",
        column(lines, "org_number"),
        column(lines, "supplier"),
        lambda a, b: category_from_supplier(a, b, rules),
        coded=(org, supplier),
    )
    for codes, uniques in (text, supplier):
        placer.run_coded("keyword", codes, uniques, lambda u: category_from_keywords(u, rules))
    category_codes = np.where(excluded, -1, placer.codes)
    by_user_rows = placer.rule_is(USER_OVERRIDE)
    override = (
        as_categorical(np.where(by_user_rows, note, None))  # type: ignore[call-overload]
        if note is not None and by_user_rows.any()
        else pd.Categorical.from_codes(
            np.full(n, -1, dtype=np.intp), categories=pd.Index([], dtype="object")
        )
    )
    return pd.DataFrame(
        {
            "category_id": categorical_from_codes(placer.vocabulary.array(), category_codes),
            "category_rule": pd.Categorical.from_codes(  # type: ignore[call-overload]
                placer.rule_codes, categories=list(LINE_RULES)
            ),
            "category_override": override,
            "excluded": excluded,
        },
        index=lines.index,
    )
