"""Deterministic, seeded generators of Swedish-format exports for the benchmarks.

Every file is built column-wise with numpy (object arrays of ``str`` concatenated element-wise;
numbers formatted through small lookup tables), so a million invoice lines take seconds. Same
seed, same bytes: ``tests/project/test_bench_smoke.py`` checks it.

Files (headers as in DESIGN.md §4 and the sample data):

- contract register: UTF-8 with BOM, ``;``; one row per agreement. The ``Inköpskategori`` column is
  left blank on purpose so that the engine and the DuckDB reference both categorise by CPV code
  (the engine's free-text category matching has no SQL equivalent).
- invoice export: cp1252, ``;``, decimal comma, space as thousands separator, one title row above
  the header and a final ``Summa`` row. Text stays inside Latin-1 so that a reader that decodes
  Latin-1 (DuckDB) sees the same characters as one that decodes cp1252.
- invoice workbook (XLSX): the same columns, a title row, dates as Excel dates, amounts as numbers.
- trips (UTF-8, ``;``, decimal comma) and FTE per year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

INVOICE_HEADERS = (
    "Fakturanummer",
    "Fakturadatum",
    "Leverantör",
    "Organisationsnummer",
    "Konto",
    "Belopp exkl. moms",
    "Avtalsnummer",
    "Fakturatext",
)
CONTRACT_HEADERS = (
    "Avtalsnummer",
    "Avtalsnamn",
    "Leverantör",
    "Organisationsnummer",
    "Inköpskategori",
    "CPV-kod",
    "Startdatum",
    "Slutdatum",
    "Avtalsvärde per år (kr)",
    "Miljökrav",
)
TRIP_HEADERS = (
    "Resedatum",
    "Färdsätt",
    "Från",
    "Till",
    "Avstånd (km)",
    "Antal resenärer",
    "Klass",
    "Tur och retur",
    "Enhet",
    "Kön",
    "Kostnad (kr)",
    "Hotellnätter",
)

# Purchase domains: (supplier word, agreement name, CPV code, state-chart purchase accounts,
# invoice text). Accounts are from the 52xx-58xx range ESV ties to "övriga driftkostnader"
# (reference/swedish/esv_skod_baskonto_ranges.csv, statlig_kontoplan_observed_accounts.csv).
DOMAINS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("IT-konsult", "IT-konsulttjänster", "72000000", ("5721", "5722"), "Konsulttimmar IT"),
    ("Bemanning", "Bemanningstjänster", "79620000", ("5711",), "Inhyrd personal"),
    ("Städservice", "Lokalvård", "90910000", ("5611",), "Städning kontor"),
    ("Bygg", "Bygg- och anläggningsentreprenad", "45000000", ("5231",), "Ombyggnad etapp"),
    ("Datorer", "Bärbara datorer", "30213100", ("5411",), "Datorer och tillbehör"),
    ("Livs", "Livsmedel och måltider", "15000000", ("5461",), "Livsmedel"),
    ("Energi", "Elenergi", "09310000", ("5211",), "Elförbrukning"),
    ("Hotell", "Hotell och konferens", "55110000", ("5513", "5572"), "Logi och konferens"),
    ("Transport", "Persontransporter", "60000000", ("5511",), "Resor enligt avtal"),
    ("Bevakning", "Bevakningstjänster", "79710000", ("5741",), "Bevakning och larm"),
    ("Programvara", "Programvarulicenser", "48000000", ("5722",), "Licensavgift"),
    ("Fordon", "Personbilar", "34110000", ("5421",), "Leasing personbil"),
)
PLACE_WORDS = (
    "Nordisk",
    "Svensk",
    "Göta",
    "Mälardalens",
    "Norrlands",
    "Skånska",
    "Västra",
    "Östra",
    "Bergslagens",
    "Dalarnas",
    "Upplands",
    "Hallands",
    "Smålands",
    "Värmlands",
    "Gävle",
    "Jämtlands",
    "Blekinge",
    "Sörmlands",
    "Roslagens",
    "Kalmar",
    "Örebro",
    "Umeå",
    "Luleå",
    "Växjö",
    "Borås",
)
TOWN_WORDS = (
    "Partner",
    "Gruppen",
    "Service",
    "Center",
    "Team",
    "Kompaniet",
    "Huset",
    "Byrån",
    "Norden",
    "Syd",
    "Nord",
    "Väst",
    "Öst",
    "Kraft",
)
LEGAL_FORMS = ("AB", "AB", "AB", "Aktiebolag", "HB", "")
INVOICE_YEARS = (2023, 2024)


def _lut(fmt: str, n: int) -> np.ndarray:
    return np.array([fmt.format(i) for i in range(n)], dtype=object)


_N3 = _lut("{}", 1000)
_Z3 = _lut("{:03d}", 1000)
_Z2 = _lut("{:02d}", 100)


def format_swedish_amount(cents: np.ndarray) -> np.ndarray:
    """Öre (int64) as Swedish text: 1234550 → ``"12 345,50"``, -5000 → ``"-50,00"``.

    Space as thousands separator, comma before the two decimals; amounts below 10^12 kr.
    """
    cents = np.asarray(cents, dtype=np.int64)
    kronor, ore = np.divmod(np.abs(cents), 100)
    groups = [(kronor // 1000**i) % 1000 for i in range(4)]
    out = np.empty(len(cents), dtype=object)
    bounds = (0, 1000, 10**6, 10**9, 10**12)
    for n_groups in range(1, 5):
        mask = (kronor >= bounds[n_groups - 1]) & (kronor < bounds[n_groups])
        if not mask.any():
            continue
        text = _N3[groups[n_groups - 1][mask]]
        for g in range(n_groups - 2, -1, -1):
            text = text + " " + _Z3[groups[g][mask]]
        out[mask] = text
    sign = np.where(cents < 0, "-", "").astype(object)
    return sign + out + "," + _Z2[ore]


def format_iso_dates(days: np.ndarray, start: dt.date) -> np.ndarray:
    """Day offsets from ``start`` as ``YYYY-MM-DD`` (through a per-day lookup table)."""
    days = np.asarray(days, dtype=np.int64)
    span = int(days.max()) + 1 if len(days) else 1
    lut = np.array([(start + dt.timedelta(days=i)).isoformat() for i in range(span)], dtype=object)
    return lut[days]


def _luhn_digit(nine: str) -> str:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def org_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct, Luhn-valid Swedish company organisation numbers (10 digits, ``55…``)."""
    bodies = rng.choice(np.arange(10_000_000), size=n, replace=False)
    out = []
    for b in bodies:
        nine = f"55{int(b):07d}"
        out.append(nine + _luhn_digit(nine))
    return np.array(out, dtype=object)


def _dashed(org: np.ndarray) -> np.ndarray:
    return np.array([o[:6] + "-" + o[6:] for o in org], dtype=object)


@dataclass(frozen=True)
class Register:
    """The generated agreements, kept in memory so that invoices can point at them."""

    agreement_id: np.ndarray  # object, e.g. "AVT-2021-0007"
    supplier: np.ndarray  # object, supplier name as written
    org_number: np.ndarray  # object, 10 digits
    domain: np.ndarray  # int, index into DOMAINS
    weight: np.ndarray  # float, relative invoice volume (sums to 1)
    unknown_supplier: np.ndarray  # object, names of suppliers outside the register
    unknown_org: np.ndarray  # object, their org numbers
    unknown_domain: np.ndarray  # int, their purchase domain


def _supplier_names(rng: np.random.Generator, domains: np.ndarray) -> np.ndarray:
    """Distinct names: place word × town word per domain, plus a varying legal form."""
    per_domain = len(PLACE_WORDS) * len(TOWN_WORDS)
    combos = rng.permutation(per_domain)
    used: dict[int, int] = {}
    names = []
    forms = rng.choice(len(LEGAL_FORMS), size=len(domains))
    for d, form in zip(domains, forms, strict=True):
        k = used.get(int(d), 0)
        used[int(d)] = k + 1
        c = int(combos[k % per_domain]) + (k // per_domain) * per_domain
        place = PLACE_WORDS[c % len(PLACE_WORDS)]
        town = TOWN_WORDS[(c // len(PLACE_WORDS)) % len(TOWN_WORDS)]
        extra = f" {c // per_domain + 1}" if c >= per_domain else ""
        name = f"{place} {DOMAINS[int(d)][0]} {town}{extra} {LEGAL_FORMS[form]}".strip()
        names.append(name)
    return np.array(names, dtype=object)


def make_register(n_agreements: int = 2000, *, seed: int = 20240601) -> Register:
    """Agreements with ~15 % of suppliers holding two agreements (their org number is then
    shared, so invoice lines of theirs without an agreement id stay unlinked) and 300 suppliers
    outside the register."""
    rng = np.random.default_rng(seed)
    n_suppliers = int(n_agreements * 0.85)
    n_unknown = 300
    domains = rng.integers(0, len(DOMAINS), size=n_suppliers + n_unknown)
    names = _supplier_names(rng, domains)
    orgs = org_numbers(rng, n_suppliers + n_unknown)
    supplier_of = np.concatenate(
        [np.arange(n_suppliers), rng.choice(n_suppliers, n_agreements - n_suppliers, replace=False)]
    )
    supplier_of = rng.permutation(supplier_of)
    start_year = rng.integers(2017, 2024, size=n_agreements)
    ids = np.array([f"AVT-{y}-{i + 1:04d}" for i, y in enumerate(start_year)], dtype=object)
    weight = rng.lognormal(mean=0.0, sigma=1.5, size=n_agreements)
    return Register(
        agreement_id=ids,
        supplier=names[supplier_of],
        org_number=orgs[supplier_of],
        domain=domains[supplier_of],
        weight=weight / weight.sum(),
        unknown_supplier=names[n_suppliers:],
        unknown_org=orgs[n_suppliers:],
        unknown_domain=domains[n_suppliers:],
    )


def _join_columns(columns: list[np.ndarray], sep: str = ";") -> np.ndarray:
    row = columns[0].astype(object)
    for col in columns[1:]:
        row = row + sep + col
    return row


def write_contracts_csv(register: Register, path: Path, *, seed: int = 7) -> Path:
    """The register as UTF-8 with BOM, ``;``, ISO dates, whole-krona values with spaces."""
    rng = np.random.default_rng(seed)
    n = len(register.agreement_id)
    start_year = np.array([int(a.split("-")[1]) for a in register.agreement_id])
    start = np.array(
        [f"{y}-{m:02d}-01" for y, m in zip(start_year, rng.integers(1, 13, n), strict=True)],
        dtype=object,
    )
    end = np.array(
        [
            f"{y + d}-{m:02d}-28"
            for y, d, m in zip(
                start_year, rng.integers(2, 9, n), rng.integers(1, 13, n), strict=True
            )
        ],
        dtype=object,
    )
    value = format_swedish_amount(rng.integers(50, 50_000, n) * 1000 * 100)
    value = np.array([v[:-3] for v in value], dtype=object)  # whole kronor: drop ",00"
    cpv = np.array([DOMAINS[d][2] for d in register.domain], dtype=object)
    # CPV cells come as "72000000", "72000000-5" or "72000000 Text" (DESIGN.md §4).
    style = rng.integers(0, 3, n)
    cpv = np.where(
        style == 1,
        cpv + "-" + (rng.integers(0, 10, n).astype(str).astype(object)),
        np.where(
            style == 2,
            cpv + " " + np.array([DOMAINS[d][1] for d in register.domain], dtype=object),
            cpv,
        ),
    )
    name = (
        np.array([DOMAINS[d][1] for d in register.domain], dtype=object)
        + " "
        + register.agreement_id
    )
    env = np.array(["Ja", "Nej", ""], dtype=object)[rng.choice(3, n, p=[0.25, 0.55, 0.2])]
    rows = _join_columns(
        [
            register.agreement_id,
            name,
            register.supplier,
            _dashed(register.org_number),
            np.full(n, "", dtype=object),
            cpv.astype(object),
            start,
            end,
            value,
            env,
        ]
    )
    text = ";".join(CONTRACT_HEADERS) + "\r\n" + "\r\n".join(rows) + "\r\n"
    path.write_bytes(text.encode("utf-8-sig"))
    return path


@dataclass(frozen=True)
class InvoiceColumns:
    """Invoice lines as typed columns; the CSV and XLSX writers format them."""

    invoice_id: np.ndarray
    day: np.ndarray  # days since 2023-01-01
    supplier: np.ndarray
    org: np.ndarray  # 10 digits
    org_style: np.ndarray  # 0 dashed, 1 digits, 2 VAT number
    account: np.ndarray
    cents: np.ndarray  # int64 öre, negative for credit notes
    agreement_id: np.ndarray  # "" when the export has none
    text: np.ndarray


FIRST_DAY = dt.date(INVOICE_YEARS[0], 1, 1)


@dataclass(frozen=True)
class InvoiceDraws:
    """One batch of invoice lines as the random draws behind them: integer codes, no strings.

    ``make_invoices`` turns them into text columns; ``large_export`` formats them with pyarrow
    chunk by chunk, so a 10-million-line file never holds 10 million Python strings.
    """

    outside: np.ndarray  # bool: supplier outside the register
    agreement: np.ndarray  # int: index into the register's agreements (unused where outside)
    who: np.ndarray  # int: index into the suppliers outside the register
    domain: np.ndarray  # int: index into DOMAINS
    with_id: np.ndarray  # bool: the line carries its agreement id
    account: np.ndarray  # int: index into the domain's accounts, DOMAINS[domain][3]
    day: np.ndarray  # int: days since FIRST_DAY
    month: np.ndarray  # int: 0-11, month of ``day``
    cents: np.ndarray  # int64 öre, negative for credit notes
    org_style: np.ndarray  # 0 dashed, 1 digits, 2 VAT number


def draw_invoices(register: Register, n_lines: int, *, seed: int = 11) -> InvoiceDraws:
    """``n_lines`` invoice lines: 95 % against an agreement (skewed volumes), 60 % of those carry
    the agreement id, the rest only the org number; 5 % from suppliers outside the register;
    2 % credit notes. Same seed, same draws."""
    rng = np.random.default_rng(seed)
    n_unknown = len(register.unknown_supplier)
    outside = rng.random(n_lines) < 0.05
    agreement = rng.choice(len(register.agreement_id), size=n_lines, p=register.weight)
    who = rng.integers(0, n_unknown, n_lines)
    domain = np.where(outside, register.unknown_domain[who], register.domain[agreement])
    with_id = ~outside & (rng.random(n_lines) < 0.6)
    day = rng.integers(0, 365 * len(INVOICE_YEARS), n_lines)
    month = _MONTH_OF_DAY[day]
    account = np.zeros(n_lines, dtype=np.int64)
    for d, (_, _, _, accs, _) in enumerate(DOMAINS):
        mask = domain == d
        account[mask] = rng.integers(0, len(accs), int(mask.sum()))
    cents = np.round(rng.lognormal(mean=8.3, sigma=1.2, size=n_lines) * 100).astype(np.int64)
    cents = np.maximum(cents, 100)
    credit = rng.random(n_lines) < 0.02
    cents[credit] = -cents[credit]
    org_style = rng.choice(3, n_lines, p=[0.7, 0.2, 0.1])
    return InvoiceDraws(
        outside=outside,
        agreement=agreement,
        who=who,
        domain=domain,
        with_id=with_id,
        account=account,
        day=day,
        month=month,
        cents=cents,
        org_style=org_style,
    )


MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_MONTH_OF_DAY = np.array(
    [(FIRST_DAY + dt.timedelta(days=int(i))).month - 1 for i in range(365 * len(INVOICE_YEARS) + 1)]
)


def make_invoices(register: Register, n_lines: int, *, seed: int = 11) -> InvoiceColumns:
    """The lines of ``draw_invoices`` as text columns (invoice ids F00000001 on)."""
    draws = draw_invoices(register, n_lines, seed=seed)
    outside, agreement, who = draws.outside, draws.agreement, draws.who
    supplier = np.where(outside, register.unknown_supplier[who], register.supplier[agreement])
    org = np.where(outside, register.unknown_org[who], register.org_number[agreement])
    agreement_id = np.where(draws.with_id, register.agreement_id[agreement], "").astype(object)
    account = np.empty(n_lines, dtype=object)
    texts = np.empty(n_lines, dtype=object)
    months = np.array(MONTHS, dtype=object)
    for d, (_, _, _, accs, text) in enumerate(DOMAINS):
        mask = draws.domain == d
        account[mask] = np.array(accs, dtype=object)[draws.account[mask]]
        texts[mask] = text + " " + months[draws.month[mask]]
    return InvoiceColumns(
        invoice_id="F" + np.char.zfill(np.arange(1, n_lines + 1).astype(str), 8).astype(object),
        day=draws.day,
        supplier=supplier.astype(object),
        org=org.astype(object),
        org_style=draws.org_style,
        account=account,
        cents=draws.cents,
        agreement_id=agreement_id,
        text=texts,
    )


def org_as_written(org: np.ndarray, style: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(org)
    dashed = np.array([u[:6] + "-" + u[6:] for u in uniques], dtype=object)
    vat = np.array(["SE" + u + "01" for u in uniques], dtype=object)
    plain = np.asarray(uniques, dtype=object)
    return np.where(style == 0, dashed[codes], np.where(style == 1, plain[codes], vat[codes]))


def write_invoices_csv(lines: InvoiceColumns, path: Path) -> Path:
    """The Swedish ledger export: cp1252, ``;``, title row, header, lines, ``Summa`` row."""
    rows = _join_columns(
        [
            lines.invoice_id,
            format_iso_dates(lines.day, FIRST_DAY),
            lines.supplier,
            org_as_written(lines.org, lines.org_style),
            lines.account,
            format_swedish_amount(lines.cents),
            lines.agreement_id,
            lines.text,
        ]
    )
    total = format_swedish_amount(np.array([lines.cents.sum()]))[0]
    parts = [
        f"Leverantörsfakturor {INVOICE_YEARS[0]}-{INVOICE_YEARS[-1]} (export från ekonomisystemet)",
        ";".join(INVOICE_HEADERS),
        "\r\n".join(rows),
        f"Summa;;;;;{total};;",
    ]
    path.write_bytes(("\r\n".join(parts) + "\r\n").encode("cp1252"))
    return path
