"""The contract register (avtalsförteckning): about 350 agreements ongoing on 2025-01-01."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from _catalogue import CATEGORIES, PREFIXES
from _common import format_org_number, org_numbers

HEADER = (
    "Avtalsnummer", "Avtalsnamn", "Leverantör", "Organisationsnummer", "Inköpskategori",
    "CPV-kod", "Startdatum", "Slutdatum", "Avtalsvärde per år (kr)", "Miljökrav",
)  # fmt: skip
TITLE = "Avtalsförteckning – pågående avtal per 2025-01-01 – Exempelmyndigheten"

ENV_YES = 85  # agreements with miljökrav, about 24 % (the agency's sustainability report)
ENV_UNKNOWN = 8  # blank Miljökrav cells: unknown, not "no"
# (first category, second category): one supplier holds an agreement in each.
SHARED_SUPPLIERS = (
    ("IT-konsulttjänster", "Programvara och licenser"),
    ("Fastighetsförvaltning", "Lokalvård"),
    ("Konferens och hotell", "Konferens och hotell"),
)
LEGAL_FORMS = ("AB", "Aktiebolag", "HB")


def _dates(rng: np.random.Generator) -> tuple[date, date]:
    """Start on the first of a month 2019-01..2024-09, run 2-6 years, end in 2025-2028."""
    months = np.arange(69)  # 2019-01 .. 2024-09
    weights = 1.0 + months / 20.0  # more recent starts are more common
    while True:
        m = int(rng.choice(months, p=weights / weights.sum()))
        start = date(2019 + m // 12, 1 + m % 12, 1)
        years = int(rng.choice([2, 3, 4, 5, 6], p=[0.22, 0.33, 0.25, 0.12, 0.08]))
        end = date(start.year + years, start.month, 1) - timedelta(days=1)
        if date(2025, 1, 31) <= end <= date(2028, 12, 31):
            return start, end


def _supplier_names(rng: np.random.Generator, stems_per_row: list[tuple[str, ...]]) -> list[str]:
    """Unique invented names such as "Nordisk IT-Partner AB"."""
    used: set[str] = set()
    names = []
    for stems in stems_per_row:
        while True:
            prefix = PREFIXES[int(rng.integers(len(PREFIXES)))]
            stem = stems[int(rng.integers(len(stems)))]
            if f"{prefix} {stem}" not in used:
                break
        used.add(f"{prefix} {stem}")
        form = LEGAL_FORMS[int(rng.choice(3, p=[0.9, 0.05, 0.05]))]
        names.append(f"{prefix} {stem} {form}")
    return names


def _cpv_text(rng: np.random.Generator, code: str, check: str, label: str) -> str:
    """ "72000000-5", "79620000" or "79620000 Förmedling av personal", as registers do."""
    style = rng.choice(["dash", "plain", "label"], p=[0.45, 0.3, 0.25] if check else [0, 0.6, 0.4])
    if style == "dash":
        return f"{code}-{check}"
    return code if style == "plain" else f"{code} {label}"


def make_contracts(rng: np.random.Generator) -> pd.DataFrame:
    """One row per agreement, with the register's values and the knobs the ledger needs."""
    rows = []
    for cat in CATEGORIES:
        values = cat.median_msek * np.exp(cat.sigma * rng.standard_normal(cat.count))
        for i, (lo, hi) in enumerate(cat.large):
            values[i] = rng.uniform(lo, hi)
        for i in range(cat.count):
            start, end = _dates(rng)
            step = 50_000 if values[i] >= 1 else 5_000
            rows.append(
                {
                    "category": cat.name,
                    "name": f"{cat.name} – {cat.qualifiers[i % len(cat.qualifiers)]}",
                    "cpv": _cpv_text(rng, cat.cpv, cat.check, cat.cpv_label),
                    "start": start,
                    "end": end,
                    "value_sek": max(step, round(values[i] * 1e6 / step) * step),
                    "env_weight": cat.env_weight,
                    "stems": cat.stems,
                    "lines": cat.lines,
                    "median_sek": cat.median_msek * 1e6,
                }
            )
    df = pd.DataFrame(rows)
    n = len(df)

    env = np.full(n, "Nej", dtype=object)
    yes = rng.choice(n, ENV_YES, replace=False, p=df["env_weight"] / df["env_weight"].sum())
    env[yes] = "Ja"
    env[rng.choice(np.flatnonzero(env == "Nej"), ENV_UNKNOWN, replace=False)] = ""
    df["environmental"] = env

    df["supplier"] = _supplier_names(rng, list(df["stems"]))
    df["org_number"] = org_numbers(rng, n)
    for first, second in SHARED_SUPPLIERS:
        a = int(df.index[df["category"] == first][0])
        b = int(df.index[(df["category"] == second) & (df.index != a)][-1])
        df.loc[b, ["supplier", "org_number"]] = df.loc[a, ["supplier", "org_number"]].to_numpy()

    styles = rng.choice(["dash", "plain", "vat"], n, p=[0.7, 0.22, 0.08])
    df["org_text"] = [
        format_org_number(o, s) for o, s in zip(df["org_number"], styles, strict=True)
    ]
    seq = rng.permutation(n) + 1
    df["agreement_id"] = [f"AVT-{s.year}-{q:03d}" for s, q in zip(df["start"], seq, strict=True)]
    return df.sort_values("agreement_id", ignore_index=True)


def register_rows(df: pd.DataFrame) -> list[list[object]]:
    """The register as the agency's spreadsheet holds it (typed cells, blank = None)."""
    return [
        [r.agreement_id, r.name, r.supplier, r.org_text, r.category, r.cpv, r.start, r.end,
         int(r.value_sek), r.environmental or None]
        for r in df.itertuples()
    ]  # fmt: skip
