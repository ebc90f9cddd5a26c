"""One year (2024) of supplier invoices (leverantörsfakturor), about 30,000 lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _catalogue import ACCOUNTS, CATEGORIES, NON_PURCHASE, OFF_CONTRACT
from _common import MONTHS_SV, format_org_number, org_numbers

HEADER = (
    "Fakturanummer", "Fakturadatum", "Leverantör", "Organisationsnummer", "Konto",
    "Belopp exkl. moms", "Avtalsnummer", "Fakturatext",
)  # fmt: skip
TITLE = "Leverantörsfakturor 2024 – Exempelmyndigheten"

YEAR_START, YEAR_END = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")
CONTRACT_LINES = 29_400  # lines on suppliers that hold an agreement
OFF_CONTRACT_LINES = 380  # hotels, restaurants, small shops without any agreement
DORMANT_SHARE = 0.07  # framework agreements with no call-off in 2024
CREDIT_SHARE = 0.02


def _ledger_name(rng: np.random.Generator, name: str) -> str:
    """The ledger's spelling of a supplier name: mostly as registered, sometimes not."""
    variant = rng.choice(["same", "upper", "aktiebolag", "spaces"], p=[0.8, 0.07, 0.07, 0.06])
    if variant == "upper":
        return name.upper()
    if variant == "aktiebolag" and name.endswith(" AB"):
        return name[:-3] + " Aktiebolag"
    if variant == "spaces":
        return name.replace(" ", "  ", 1)
    return name


def _weekday(dates: object) -> pd.Series:
    """Move Saturday and Sunday invoice dates back to Friday."""
    dates = pd.Series(dates)
    shift = (dates.dt.dayofweek - 4).clip(lower=0)
    return dates - pd.to_timedelta(shift, unit="D")


def _texts(rng: np.random.Generator, accounts: pd.Series, dates: pd.Series) -> list[str]:
    """Swedish invoice texts from the account's templates, with the invoice month filled in."""
    pick = rng.random(len(accounts))
    amounts_n = rng.integers(2, 26, len(accounts))
    out = []
    for konto, when, p, n in zip(accounts, dates, pick, amounts_n, strict=True):
        templates = ACCOUNTS[konto][1]
        text = templates[int(p * len(templates))]
        out.append(text.format(month=MONTHS_SV[when.month - 1], n=n, q=(when.month - 1) // 3 + 1))
    return out


def _contract_lines(rng: np.random.Generator, contracts: pd.DataFrame) -> pd.DataFrame:
    """Lines for agreements: spend near the annual value, spread over the active part of 2024."""
    start = pd.to_datetime(contracts["start"]).clip(lower=YEAR_START)
    end = pd.to_datetime(contracts["end"]).clip(upper=YEAR_END)
    active = ((end - start).dt.days + 1) / 366
    spend = contracts["value_sek"] * active * np.exp(rng.normal(-0.2, 0.35, len(contracts)))
    raw = contracts["lines"] * (contracts["value_sek"] / contracts["median_sek"]) ** 0.4 * active
    raw = raw * np.exp(rng.normal(0, 0.3, len(contracts)))
    raw[rng.random(len(contracts)) < DORMANT_SHARE] = 0
    counts = np.where(raw > 0, np.maximum(2, np.round(raw * CONTRACT_LINES / raw.sum())), 0)
    idx = np.repeat(np.arange(len(contracts)), counts.astype(int))

    weight = np.exp(rng.normal(0, 0.7, len(idx)))
    share = weight / np.bincount(idx, weights=weight)[idx]
    lines = pd.DataFrame({"k": idx, "amount": spend.to_numpy()[idx] * share})
    span = (end - start).dt.days.to_numpy()[idx]
    offset = np.floor(rng.random(len(idx)) * (span + 1))
    lines["date"] = _weekday(start.to_numpy()[idx] + pd.to_timedelta(offset, unit="D"))

    categories = {c.name: c for c in CATEGORIES}
    konto = np.empty(len(idx), dtype=object)
    for name, group in lines.groupby(contracts["category"].to_numpy()[idx]).groups.items():
        accounts = categories[str(name)].accounts
        konto[group] = rng.choice(list(accounts), len(group), p=list(accounts.values()))
    lines["konto"] = konto

    # Whether the ledger carries the agreement id is a habit of the supplier's invoicing.
    habit = rng.choice([0.0, 0.5, 0.97], len(contracts), p=[0.6, 0.15, 0.25])
    habit[contracts["category"].eq("Resebyråtjänster").to_numpy()] = 0.0
    with_id = rng.random(len(idx)) < habit[idx]
    lines["agreement_id"] = np.where(with_id, contracts["agreement_id"].to_numpy()[idx], "")
    return lines


def _supplier_columns(
    rng: np.random.Generator, names: list[str], orgs: list[str]
) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """Per supplier: ledger name, org number as the ledger writes it (or ""), invoice series."""
    ledger_name, ledger_org, series = {}, {}, {}
    for name, org in zip(names, orgs, strict=True):
        if name in ledger_name:
            continue
        ledger_name[name] = _ledger_name(rng, name)
        style = rng.choice(["dash", "plain", "vat", "missing"], p=[0.52, 0.37, 0.05, 0.06])
        ledger_org[name] = "" if style == "missing" or not org else format_org_number(org, style)
        series[name] = int(rng.integers(1_000, 900_000))
    return ledger_name, ledger_org, series


def make_invoices(rng: np.random.Generator, contracts: pd.DataFrame) -> pd.DataFrame:
    """All 2024 lines in ledger order, amounts in öre (int64) so the total is exact."""
    lines = _contract_lines(rng, contracts)
    lines["supplier"] = contracts["supplier"].to_numpy()[lines["k"]]
    lines["org"] = contracts["org_number"].to_numpy()[lines["k"]]

    pick = rng.integers(0, len(OFF_CONTRACT), OFF_CONTRACT_LINES)
    off = pd.DataFrame(
        {
            "konto": [OFF_CONTRACT[i][0] for i in pick],
            "supplier": [OFF_CONTRACT[i][1] for i in pick],
            "amount": np.exp(rng.normal(np.log(4_000), 0.9, OFF_CONTRACT_LINES)),
            "date": _weekday(YEAR_START + pd.to_timedelta(rng.integers(0, 366, len(pick)), "D")),
            "agreement_id": "",
        }
    )
    shop_orgs = dict(zip([s for _, s in OFF_CONTRACT], [""] * len(OFF_CONTRACT), strict=True))
    numbered = [s for s in shop_orgs if rng.random() < 0.7]
    shop_orgs.update(
        zip(numbered, org_numbers(rng, len(numbered), exclude=contracts["org_number"]), strict=True)
    )
    off["org"] = off["supplier"].map(shop_orgs)

    # Landlords are companies with org numbers; the associations and foundations go without.
    taken = [*contracts["org_number"], *shop_orgs.values()]
    landlord_orgs = iter(org_numbers(rng, len(NON_PURCHASE), exclude=taken))
    non = []
    for konto, name, msek, per_year in NON_PURCHASE:
        org = next(landlord_orgs)
        months = np.arange(per_year) * (12 // per_year)
        non.append(
            pd.DataFrame(
                {
                    "konto": konto,
                    "supplier": name,
                    "amount": msek * 1e6 / per_year,
                    "date": [pd.Timestamp(2024, m + 1, 1) for m in months],
                    "agreement_id": "",
                    "org": org if name.endswith(" AB") else "",
                }
            )
        )
    lines = pd.concat([lines.drop(columns="k"), off, *non], ignore_index=True)

    credit = rng.random(len(lines)) < CREDIT_SHARE
    lines.loc[credit, "amount"] *= -rng.uniform(0.05, 1.0, int(credit.sum()))
    lines["ore"] = np.round(lines["amount"].to_numpy() * 100).astype(np.int64)
    lines["text"] = _texts(rng, lines["konto"], lines["date"])
    lines.loc[credit, "text"] = "Kreditering: " + lines.loc[credit, "text"]

    name_map, org_map, series = _supplier_columns(
        rng, list(lines["supplier"]), list(lines["org"].fillna(""))
    )
    lines["ledger_org"] = lines["supplier"].map(org_map)
    lines.loc[rng.random(len(lines)) < 0.015, "ledger_org"] = ""
    lines = lines.sort_values(["supplier", "date"], kind="stable", ignore_index=True)
    number = lines["supplier"].map(series) + lines.groupby("supplier").cumcount()
    lines["invoice_id"] = number.astype(str)
    lines["supplier"] = lines["supplier"].map(name_map)
    return lines.sort_values(["date", "invoice_id"], kind="stable", ignore_index=True)
