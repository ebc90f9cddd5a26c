"""Formatting and file-writing helpers shared by the sample-data generators.

Everything here is deterministic: no clock, no locale, no hash order. XLSX files are rewritten
after openpyxl has saved them so that the zip entry times and the document properties are fixed
(openpyxl stamps both with the current time).
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

# The moment every generated workbook claims to have been created and modified.
FIXED_TIMESTAMP = "2025-01-02T08:00:00Z"
_ZIP_TIME = (2025, 1, 2, 8, 0, 0)

MONTHS_SV = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip


def swedish_number(value: float, decimals: int = 2) -> str:
    """Format a number the way Swedish exports do: space thousands, decimal comma, "-" sign.

    >>> swedish_number(-12345.5)
    '-12 345,50'
    """
    text = f"{abs(value):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return f"-{text}" if value < 0 and text.strip("0, ") else text


def luhn_check_digit(digits: str) -> int:
    """Check digit of a Swedish organisation number (Luhn over the first nine digits)."""
    total = 0
    for i, ch in enumerate(digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def org_numbers(rng: np.random.Generator, count: int, exclude: Iterable[str] = ()) -> list[str]:
    """Distinct 10-digit, Luhn-valid numbers in the 556/559 series of Swedish limited companies.

    Random, not checked against the company register: any match with a real company is chance.
    """
    out: list[str] = []
    seen: set[str] = set(exclude)
    while len(out) < count:
        prefix = "556" if rng.random() < 0.7 else "559"
        body = prefix + "".join(str(d) for d in rng.integers(0, 10, 6))
        number = body + str(luhn_check_digit(body))
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


def format_org_number(number: str, style: str) -> str:
    """Write a 10-digit org number as "556677-8899" (dash), "5566778899" (plain) or VAT."""
    if style == "dash":
        return f"{number[:6]}-{number[6:]}"
    if style == "vat":
        return f"SE{number}01"
    return number


def write_csv(
    path: Path,
    rows: Iterable[Sequence[object]],
    *,
    encoding: str,
    newline: str,
) -> None:
    """Write ``rows`` as a ``;``-separated CSV (minimal quoting) with the given line ending."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator=newline)
        writer.writerows(rows)


def freeze_xlsx(path: Path) -> None:
    """Rewrite a saved workbook with fixed timestamps so that its bytes depend only on content."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("created", "modified"):
                    text = re.sub(
                        rf"(<dcterms:{tag}[^>]*>)[^<]*(</dcterms:{tag}>)",
                        rf"\g<1>{FIXED_TIMESTAMP}\g<2>",
                        text,
                    )
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
