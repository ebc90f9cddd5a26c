"""Builders of hostile and malformed workbooks, as bytes (used by the guard tests and the corpus).

Deterministic: the same call gives the same bytes (fixed zip timestamps), so the committed corpus
can be regenerated and compared.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence

from openpyxl import Workbook

_EPOCH = (2024, 1, 1, 0, 0, 0)
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*<")
SHEET = "xl/worksheets/sheet1.xml"
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

CONTRACT_HEADER = ["Avtalsnummer", "Avtalsnamn", "Leverantör", "Organisationsnummer", "Avtalsvärde"]


def workbook_bytes(
    rows: Sequence[Sequence[object]],
    title: str = "Avtal",
    extra_sheets: Sequence[tuple[str, Sequence[Sequence[object]]]] = (),
) -> bytes:
    """A plain openpyxl workbook with ``rows`` on its first sheet, re-zipped deterministically."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for name, sheet_rows in extra_sheets:
        extra = wb.create_sheet(name)
        for row in sheet_rows:
            extra.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return rezip(buffer.getvalue(), {})


def rezip(
    data: bytes,
    replace: dict[str, bytes | None],
    add: Sequence[tuple[str, bytes]] = (),
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """Copy a zip, replacing (``bytes``) or dropping (``None``) members, with fixed timestamps."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            if info.filename in replace and replace[info.filename] is None:
                continue
            payload = replace.get(info.filename)
            content = payload if payload is not None else source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = _STAMP.sub(rb"\g<1>2024-01-01T00:00:00Z<", content)
            target.writestr(zipfile.ZipInfo(info.filename, _EPOCH), content, compression)
        for name, content in add:
            target.writestr(zipfile.ZipInfo(name, _EPOCH), content, compression)
    return out.getvalue()


def contract_workbook() -> bytes:
    return workbook_bytes(
        [
            CONTRACT_HEADER,
            ["A-1", "Städ", "Rent AB", "556677-8899", 1000],
            ["A-2", "IT", "Data AB", "5566778800", 2500.5],
        ]
    )


def _sheet_with(prolog: str, cell_text: str) -> bytes:
    return (
        f'<?xml version="1.0"?>{prolog}<worksheet xmlns="{SPREADSHEET_NS}"><sheetData>'
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>Avtalsnummer</t></is></c>'
        f'<c r="B1" t="inlineStr"><is><t>Avtalsnamn</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{cell_text}</t></is></c>'
        f'<c r="B2" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()


def billion_laughs(part: str = SHEET, levels: int = 9) -> bytes:
    """Nested entities: ``levels`` of 10× expansion (9 levels = a billion 'lol')."""
    entities = ['<!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        entities.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    prolog = f"<!DOCTYPE lolz [{''.join(entities)}]>"
    base = contract_workbook()
    if part == SHEET:
        return rezip(base, {SHEET: _sheet_with(prolog, f"&lol{levels};")})
    if part == "xl/sharedStrings.xml":
        strings = (
            f'<?xml version="1.0"?>{prolog}<sst xmlns="{SPREADSHEET_NS}" count="1" '
            f'uniqueCount="1"><si><t>&lol{levels};</t></si></sst>'
        )
        return rezip(base, {}, add=[(part, strings.encode())])
    original = zipfile.ZipFile(io.BytesIO(base)).read(part).decode()
    body = original.split("?>", 1)[1] if original.startswith("<?xml") else original
    return rezip(base, {part: f'<?xml version="1.0"?>{prolog}{body}'.encode()})


def external_entity(target: str = "file:///etc/passwd", part: str = SHEET) -> bytes:
    """XXE: an external entity whose expansion would read a local file."""
    prolog = f'<!DOCTYPE w [<!ENTITY xxe SYSTEM "{target}">]>'
    if part == SHEET:
        return rezip(contract_workbook(), {SHEET: _sheet_with(prolog, "&xxe;")})
    base = contract_workbook()
    original = zipfile.ZipFile(io.BytesIO(base)).read(part).decode()
    body = original.split("?>", 1)[1] if original.startswith("<?xml") else original
    return rezip(base, {part: f'<?xml version="1.0"?>{prolog}{body}'.encode()})


def quadratic_blowup(entity_bytes: int = 10_000, references: int = 1_000) -> bytes:
    """One big entity referenced many times (no nesting): defeats naive depth limits."""
    prolog = f'<!DOCTYPE q [<!ENTITY big "{"A" * entity_bytes}">]>'
    return rezip(contract_workbook(), {SHEET: _sheet_with(prolog, "&big;" * references)})


def dtd_after_long_comment(comment_bytes: int = 70_000) -> bytes:
    """A DTD hidden behind a prolog comment longer than the guard's scan budget."""
    prolog = f'<!--{" " * comment_bytes}--><!DOCTYPE x [<!ENTITY e "e">]>'
    return rezip(contract_workbook(), {SHEET: _sheet_with(prolog, "&e;")})


def utf16_dtd() -> bytes:
    """The DTD attack in a UTF-16 encoded part (a byte scan for '<!DOCTYPE' would miss it)."""
    text = _sheet_with('<!DOCTYPE x [<!ENTITY e "e">]>', "&e;").decode()
    text = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    return rezip(contract_workbook(), {SHEET: b"\xff\xfe" + text.encode("utf-16-le")})


def ratio_bomb(uncompressed: int = 20 * 1024 * 1024) -> bytes:
    """A sheet part of zeros: a few kB zipped, ``uncompressed`` bytes inflated (ratio ≈ 1,000)."""
    body = b"<worksheet>" + b"0" * uncompressed + b"</worksheet>"
    return rezip(contract_workbook(), {SHEET: body})


def lying_sizes(declared: int = 400 * 1024 * 1024) -> bytes:
    """A valid workbook whose central directory declares a huge uncompressed size for a part."""
    data = bytearray(contract_workbook())
    return bytes(_patch_declared_size(data, SHEET, declared))


def _patch_declared_size(data: bytearray, member: str, declared: int) -> bytearray:
    """Overwrite ``member``'s uncompressed size in the central directory record."""
    signature = b"PK\x01\x02"
    position = data.find(signature)
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        name = bytes(data[position + 46 : position + 46 + name_length]).decode()
        if name == member:
            struct.pack_into("<I", data, position + 24, declared)
            return data
        position = data.find(signature, position + 4)
    raise KeyError(member)


def many_members(count: int = 1_500) -> bytes:
    """A workbook carrying ``count`` extra tiny parts."""
    return rezip(
        contract_workbook(),
        {},
        add=[(f"x/{i}", b"") for i in range(count)],
        compression=zipfile.ZIP_STORED,
    )


def ods_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype", _EPOCH), "application/vnd.oasis.opendocument.spreadsheet"
        )
        z.writestr(zipfile.ZipInfo("content.xml", _EPOCH), "<office:document-content/>")
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", _EPOCH), "<Types/>")
        z.writestr(zipfile.ZipInfo("word/document.xml", _EPOCH), "<w:document/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("readme.txt", _EPOCH), "hello")
    return out.getvalue()


def xls_bytes() -> bytes:
    """The OLE2 compound-file signature of a legacy .xls, then padding."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4


def truncated(data: bytes | None = None, keep: float = 0.6) -> bytes:
    data = data if data is not None else contract_workbook()
    return data[: int(len(data) * keep)]


def encrypted_flag() -> bytes:
    """A workbook whose sheet part claims to be encrypted (general-purpose flag bit 0)."""
    data = bytearray(contract_workbook())
    signature = b"PK\x01\x02"
    position = data.find(signature)
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == SHEET.encode():
            flags = struct.unpack_from("<H", data, position + 8)[0]
            struct.pack_into("<H", data, position + 8, flags | 0x1)
            break
        position = data.find(signature, position + 4)
    return bytes(data)


HOSTILE_WORKBOOKS: dict[str, tuple[Callable[[], bytes], str]] = {
    # name -> (builder, text the refusal must contain)
    "billion_laughs_sheet.xlsx": (billion_laughs, "DTD"),
    "billion_laughs_shared_strings.xlsx": (lambda: billion_laughs("xl/sharedStrings.xml"), "DTD"),
    "billion_laughs_workbook.xlsx": (lambda: billion_laughs("xl/workbook.xml"), "DTD"),
    "xxe_workbook.xlsx": (lambda: external_entity(part="xl/workbook.xml"), "DTD"),
    "xxe_sheet.xlsx": (external_entity, "DTD"),
    "quadratic_blowup.xlsx": (quadratic_blowup, "DTD"),
    "dtd_behind_long_comment.xlsx": (dtd_after_long_comment, "unsafe XML"),
    "utf16_dtd.xlsx": (utf16_dtd, "DTD"),
    "zip_bomb_ratio.xlsx": (ratio_bomb, "zip bomb"),
    "zip_lying_sizes.xlsx": (lying_sizes, "unpack to"),
    "encrypted_part.xlsx": (encrypted_flag, "encrypted"),
}
