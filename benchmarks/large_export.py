"""Invoice exports of any size, written chunk by chunk with pyarrow.

``generate.write_invoices_csv`` builds every line as a Python string (numpy object arrays), which
is fine for a million lines but would hold ten million strings at once for the 10M-line file.
Here each chunk of lines is drawn as integer codes (``generate.draw_invoices``), every column
is a ``take`` from a small lookup table of its distinct texts, the columns are joined in
Arrow's string kernels, and the chunk's bytes go to the file before the next chunk is drawn:
memory stays at one chunk whatever the size.

Same bytes as the object-array writer: chunk ``k`` is ``make_invoices(register, chunk_lines,
seed=seed + k)`` with invoice ids numbered on from the previous chunk, so a file of one chunk
is byte-identical to ``write_invoices_csv(make_invoices(...))`` (the smoke test checks it) and
the first million lines of the 10M-line file are the 1M-line file's lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.generate import (
    DOMAINS,
    FIRST_DAY,
    INVOICE_HEADERS,
    INVOICE_YEARS,
    MONTHS,
    InvoiceDraws,
    Register,
    draw_invoices,
    format_iso_dates,
    format_swedish_amount,
)

CHUNK_LINES = 1_000_000

_N3 = pa.array([str(i) for i in range(1000)])
_Z3 = pa.array([f"{i:03d}" for i in range(1000)])
_Z2 = pa.array([f"{i:02d}" for i in range(100)])


def _join(columns: list[pa.Array], sep: str) -> pa.Array:
    return pc.binary_join_element_wise(*columns, sep)


def swedish_amounts(cents: np.ndarray) -> pa.Array:
    """Öre as ``"12 345,50"`` / ``"-50,00"`` (as ``generate.format_swedish_amount``), in Arrow."""
    kronor, ore = np.divmod(np.abs(np.asarray(cents, dtype=np.int64)), 100)
    groups = [(kronor // 1000**i) % 1000 for i in range(4)]
    n_groups = np.searchsorted(np.array([1000, 10**6, 10**9]), kronor, side="right")
    top = int(n_groups.max()) + 1 if len(kronor) else 1
    choices = []
    for n in range(1, top + 1):  # the text with n groups of digits, for every line
        parts = [_N3.take(pa.array(groups[n - 1]))]
        parts += [_Z3.take(pa.array(groups[g])) for g in range(n - 2, -1, -1)]
        choices.append(_join(parts, " ") if len(parts) > 1 else parts[0])
    text = pc.choose(pa.array(n_groups), *choices) if top > 1 else choices[0]
    sign = pa.array(np.where(cents < 0, "-", ""))
    return _join([_join([sign, text], ""), _Z2.take(pa.array(ore))], ",")


def _tables(register: Register) -> dict[str, pa.Array]:
    """Every distinct text a column can hold; lines pick from them by index."""
    # Org numbers as written: dashed, digits, VAT number (org_style 0, 1, 2) per supplier.
    orgs = [str(o) for o in (*register.org_number, *register.unknown_org)]
    dashed = [o[:6] + "-" + o[6:] for o in orgs]
    vat = ["SE" + o + "01" for o in orgs]
    accounts = [a for d in DOMAINS for a in d[3]]
    texts = [f"{d[4]} {m}" for d in DOMAINS for m in MONTHS]
    span = 365 * len(INVOICE_YEARS) + 1
    return {
        "supplier": pa.array(np.concatenate([register.supplier, register.unknown_supplier])),
        "org": pa.array([*dashed, *orgs, *vat]),
        "agreement_id": pa.array([*register.agreement_id, ""]),
        "account": pa.array(accounts),
        "text": pa.array(texts),
        "date": pa.array(format_iso_dates(np.arange(span), FIRST_DAY)),
    }


def format_chunk(
    register: Register, draws: InvoiceDraws, first_id: int, tables: dict[str, pa.Array]
) -> bytes:
    """The chunk's lines as cp1252 bytes, each line ended by CRLF."""
    n = len(draws.cents)
    n_agreements = len(register.agreement_id)
    n_people = n_agreements + len(register.unknown_supplier)
    person = np.where(draws.outside, n_agreements + draws.who, draws.agreement)
    account_offset = np.cumsum([0] + [len(d[3]) for d in DOMAINS])[:-1]
    ids = pc.utf8_lpad(pa.array(np.arange(first_id, first_id + n)).cast(pa.string()), 8, "0")
    columns = [
        _join([pa.array(np.full(n, "F")), ids], ""),
        tables["date"].take(pa.array(draws.day)),
        tables["supplier"].take(pa.array(person)),
        tables["org"].take(pa.array(draws.org_style * n_people + person)),
        tables["account"].take(pa.array(account_offset[draws.domain] + draws.account)),
        swedish_amounts(draws.cents),
        tables["agreement_id"].take(
            pa.array(np.where(draws.with_id, draws.agreement, n_agreements))
        ),
        tables["text"].take(pa.array(draws.domain * len(MONTHS) + draws.month)),
    ]
    lines = _join([_join(columns, ";"), pa.array(np.full(n, ""))], "\r\n")
    # No nulls, so the values buffer between the first and last offsets is the chunk's text.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset :][: n + 1]
    data = memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
    return bytes(data).decode("utf-8").encode("cp1252")


def write_invoices_csv_chunked(
    register: Register,
    n_lines: int,
    path: Path,
    *,
    seed: int = 11,
    chunk_lines: int = CHUNK_LINES,
) -> Path:
    """The Swedish ledger export (cp1252, ``;``, title row, header, lines, ``Summa`` row) of
    ``n_lines`` lines, written ``chunk_lines`` at a time; chunk ``k`` has seed ``seed + k``."""
    tables = _tables(register)
    total_cents = 0
    with path.open("wb") as fh:
        title = (
            f"Leverantörsfakturor {INVOICE_YEARS[0]}-{INVOICE_YEARS[-1]} "
            "(export från ekonomisystemet)"
        )
        fh.write((title + "\r\n" + ";".join(INVOICE_HEADERS) + "\r\n").encode("cp1252"))
        done = 0
        for k in range((n_lines + chunk_lines - 1) // chunk_lines):
            n = min(chunk_lines, n_lines - done)
            draws = draw_invoices(register, n, seed=seed + k)
            fh.write(format_chunk(register, draws, done + 1, tables))
            total_cents += int(draws.cents.sum())
            done += n
        total = format_swedish_amount(np.array([total_cents]))[0]
        fh.write(f"Summa;;;;;{total};;\r\n".encode("cp1252"))
    return path
