"""Refuse hostile or unreadable uploads before any parser sees them.

Why a separate gate: the readers decompress and parse whatever they are given (python-calamine
for workbooks, the CSV parser for text). An upload is untrusted, so the cheap, bounded checks
happen first (reliability_and_security.md §1.1, §1.2, §1.6):

- a workbook's zip **central directory** is read and judged before anything is decompressed:
  member count, declared total uncompressed size, and per-member compression ratio. CPython's
  ``zipfile`` stops a member at its declared size (a lying header ends in "Bad CRC-32"), so the
  declared sizes are a real bound on what a reader can inflate;
- every XML part's prolog is read in small chunks, at most ``max_prolog_bytes``; a ``<!DOCTYPE``
  or ``<!ENTITY`` (billion laughs, quadratic blow-up, external entities) is refused. A DTD may
  only stand before the root element, so the scan stops at the first element start tag;
- the container must match the name: ``.xls`` (OLE2), ``.ods``, a CSV named ``.xlsx``, a
  workbook named ``.csv``, empty, binary (NUL bytes in text) and truncated zips get one
  :class:`InputFormatError` each, with a reason a user can act on.

Control characters inside accepted text cells are a row-level matter, not a file-level one:
``spendanalys.io.control_characters`` reports them as rejected rows (re-exported here).

No dash import: the dashboard's upload callback calls :func:`check_upload`, and every reader
call (the CLI included) :func:`check_input`, so one gate judges every input.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from spendanalys.errors import ConfigurationError, InputFormatError
from spendanalys.io.control_characters import (
    CONTROL_CHARACTERS,
    reject_control_characters,
    scan_control_characters,
)
from spendanalys.io.csv_body import MAX_FIELDS_PER_ROW

__all__ = [
    "CONTROL_CHARACTERS",
    "DEFAULT_LIMITS",
    "UploadLimits",
    "assert_defusedxml_active",
    "check_input",
    "check_upload",
    "reject_control_characters",
    "scan_control_characters",
]

MiB = 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG_CHUNK = 4096

WORKBOOK_SUFFIXES = frozenset({".xlsx"})
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
ALLOWED_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES

# Markup that may not occur in an XML prolog of a workbook part (any DTD is refused).
_DTD_MARKERS = (b"<!doctype", b"<!entity", b"<!element", b"<!attlist")


@dataclass(frozen=True)
class UploadLimits:
    """Budgets an upload must stay within, decided from the zip directory alone.

    Measured (2026-11, ``tests/io/test_upload_guard.py::test_real_workbooks_pass`` prints them):
    the real workbooks in ``../shared/realdata`` have 9–16 members, at most 10.6 MB
    uncompressed (a 1.3 MB contract register) and per-member ratios up to 17.8 (a styles part);
    an openpyxl sheet of 20,000 rows × 5 columns compresses 9.5×. A crafted member of 50 MB of
    spaces compresses about 1,000×.

    - ``max_members`` 1,000: a workbook has tens of parts; thousands mean a zip of junk.
    - ``max_total_uncompressed`` 300 MiB: a 25 MiB upload (the dashboard's default cap) at a
      typical 10× fits with margin; a bomb of many members at the ratio cap does not.
    - ``max_member_ratio`` 200: above every real part (17.8) by 10×, far below a bomb (≈1,000).
      Judged only for members whose declared size is over ``ratio_floor_bytes`` (1 MiB): a
      small part inflating 300× costs nothing, and tiny repetitive parts exist in real files.
    - ``max_prolog_bytes`` 64 KiB: an XML declaration, comments and processing instructions
      before the root element never come near this; a longer prolog is refused rather than
      scanned further.
    - ``max_delimiters_per_line`` (CSV): the readers' own row-width limit
      (``csv_body.MAX_FIELDS_PER_ROW``, 2,000), checked on the raw bytes before any decoding so
      a line of a million ``;`` costs one vectorised pass. Counts ``; , tab |`` per physical
      line, quotes ignored.
    """

    max_members: int = 1_000
    max_total_uncompressed: int = 300 * MiB
    max_member_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * MiB
    max_prolog_bytes: int = 64 * 1024
    max_delimiters_per_line: int = MAX_FIELDS_PER_ROW


DEFAULT_LIMITS = UploadLimits()


def assert_defusedxml_active() -> None:
    """Refuse to start unless openpyxl parses XML through defusedxml.

    openpyxl switches defusedxml on only when it is importable and ``OPENPYXL_DEFUSEDXML`` is not
    set to something other than "True"; without it openpyxl expands entity bombs
    (reliability_and_security.md §1.1). Raises ConfigurationError with the fix.
    """
    setting = os.environ.get("OPENPYXL_DEFUSEDXML")
    if setting is not None and setting != "True":
        raise ConfigurationError(
            f"OPENPYXL_DEFUSEDXML={setting!r} switches off openpyxl's XML protection; unset it"
        )
    try:  # imported here: the import is the check, its ImportError the ConfigurationError below
        import defusedxml  # noqa: F401
        from openpyxl import xml as openpyxl_xml
    except ImportError as exc:
        raise ConfigurationError(
            f"defusedxml is required for safe Excel parsing: {exc}; pip install defusedxml"
        ) from None
    if openpyxl_xml.DEFUSEDXML is not True:
        raise ConfigurationError(
            "openpyxl is not using defusedxml (openpyxl.xml.DEFUSEDXML is not True); "
            "install defusedxml and unset OPENPYXL_DEFUSEDXML"
        )


def _looks_like_text(content: bytes) -> bool:
    """True when the first bytes decode as text a CSV could hold (UTF-8/16 or cp1252)."""
    sample = content[:4096]
    if sample.startswith(_UTF16_BOMS) or sample.startswith(b"\xef\xbb\xbf"):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls <= 0.01 * max(len(sample), 1)


def _utf16_without_bom(content: bytes) -> bool:
    """NUL bytes in every other position: UTF-16 text of mostly Latin characters."""
    sample = content[:4000]
    if len(sample) < 4:
        return False
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    return (odd > 0.4 and even < 0.05) or (even > 0.4 and odd < 0.05)


# bytes.translate table: a delimiter byte becomes 1, any other 0 (a C pass, no index array).
_DELIMITER_TABLE = bytes(1 if b in b";,\t|" else 0 for b in range(256))


def _widest_line(data: bytes) -> tuple[int, int]:
    """The most delimiter bytes on one physical line, and that line (1-based; vectorised).

    Lines end at LF; a file without LF at CR (old Mac exports). One table lookup and a binary
    search of the line ends among the delimiter positions: no per-byte running total.
    """
    if not data:
        return 0, 1
    array = np.frombuffer(data, dtype=np.uint8)
    delimiters = np.frombuffer(data.translate(_DELIMITER_TABLE), dtype=bool)
    if int(np.count_nonzero(delimiters)) <= MAX_FIELDS_PER_ROW // 2:
        return int(np.count_nonzero(delimiters)), 1  # no line can be near the limit
    newline = 10 if data.find(b"\n") >= 0 else 13
    ends = np.flatnonzero(array == newline)
    # Delimiters before each line end, by binary search in the (sorted) delimiter positions.
    before = np.searchsorted(np.flatnonzero(delimiters), ends)
    widths = np.diff(np.concatenate(([0], before, [int(np.count_nonzero(delimiters))])))
    line = int(np.argmax(widths))
    return int(widths[line]), line + 1


def _check_width(name: str, ascii_compatible: bytes, limits: UploadLimits) -> None:
    widest, line = _widest_line(ascii_compatible)
    if widest > limits.max_delimiters_per_line:
        raise InputFormatError(
            name,
            f"a line has {widest:,} separators (at most {limits.max_delimiters_per_line:,} "
            "allowed): not a normal export",
            row=line,
        )


def _check_text(
    name: str, content: bytes, limits: UploadLimits = DEFAULT_LIMITS, width: bool = True
) -> None:
    """A CSV must be text: NUL bytes are allowed only as part of UTF-16."""
    if content.startswith(_UTF16_BOMS) or _utf16_without_bom(content):
        encoding = "utf-16-be" if content.startswith(b"\xfe\xff") else "utf-16-le"
        if not content.startswith(_UTF16_BOMS) and content[0:1] == b"\x00":
            encoding = "utf-16-be"
        payload = content[2:] if content.startswith(_UTF16_BOMS) else content
        try:
            text = payload.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputFormatError(name, f"damaged UTF-16 text ({exc.reason})") from None
        if "\x00" in text:
            raise InputFormatError(name, "binary content (NUL characters): not a CSV export")
        if width:
            _check_width(name, text.encode("utf-8", "replace"), limits)
        return
    position = content.find(b"\x00")
    if position >= 0:
        raise InputFormatError(
            name, f"binary content (a NUL byte at byte {position}): not a CSV export"
        )
    if not _looks_like_text(content):
        raise InputFormatError(name, "binary content: not a CSV or text export")
    if width:
        _check_width(name, content, limits)


def _open_zip(name: str, content: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise InputFormatError(
            name,
            "the workbook is damaged or truncated (its zip directory is missing); "
            "download or save it again",
        ) from None
    except (ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise InputFormatError(name, f"the workbook is damaged ({exc})") from None


def _check_directory(name: str, infos: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    """Member count, declared sizes and ratios: judged before one byte is inflated."""
    if len(infos) > limits.max_members:
        raise InputFormatError(
            name,
            f"the workbook has {len(infos):,} parts (at most {limits.max_members:,} "
            "allowed): not a normal Excel file",
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_uncompressed:
        raise InputFormatError(
            name,
            f"the workbook would unpack to {total / MiB:,.0f} MiB (at most "
            f"{limits.max_total_uncompressed / MiB:,.0f} MiB allowed); split it or save it as CSV",
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputFormatError(name, "the workbook is encrypted; save it without a password")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_member_ratio:
            raise InputFormatError(
                name,
                f"the part {info.filename!r} is compressed {ratio:,.0f} times (at most "
                f"{limits.max_member_ratio:,.0f} allowed): refused as a possible zip bomb",
            )


def _kind_of_zip(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as handle:
                head = handle.read(100)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            head = b""
        if head.startswith(_ODS_MIMETYPE):
            return "ods"
        if head.startswith(b"application/vnd.oasis.opendocument"):
            return "odf"
    if "word/document.xml" in names:
        return "docx"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    return "zip"


def _prolog_problem(head: bytes) -> str | None:
    """Why an XML prolog is refused (a DTD or entity), or None when the root element starts.

    Comments, processing instructions and whitespace are skipped; anything else that starts
    with ``<!`` before the root element is a DTD.
    """
    lowered = head.lower()
    position = 0
    while True:
        start = lowered.find(b"<", position)
        if start < 0:
            return "incomplete"
        if lowered.startswith(b"<?", start):
            end = lowered.find(b"?>", start + 2)
            if end < 0:
                return "incomplete"
            position = end + 2
        elif lowered.startswith(b"<!--", start):
            end = lowered.find(b"-->", start + 4)
            if end < 0:
                return "incomplete"
            position = end + 3
        elif lowered.startswith(b"<!", start):
            return "dtd"
        else:
            return None


def _decode_prolog(head: bytes) -> bytes:
    """The prolog as ASCII-compatible bytes (UTF-16 parts are re-encoded for the scan)."""
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(encoding, errors="replace").encode("utf-8", "replace")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        encoding = "utf-16-le" if head[0:1] == b"<" else "utf-16-be"
        return head.decode(encoding, errors="replace").encode("utf-8", "replace")
    return head


def _check_xml_part(
    name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: UploadLimits
) -> None:
    """Read the part's prolog chunk by chunk (bounded) and refuse any DTD or entity."""
    head = b""
    try:
        with archive.open(info) as handle:
            while len(head) < limits.max_prolog_bytes:
                chunk = handle.read(_PROLOG_CHUNK)
                if not chunk:
                    break
                head += chunk
                problem = _prolog_problem(_decode_prolog(head))
                if problem != "incomplete":
                    break
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise InputFormatError(
            name, f"the workbook part {info.filename!r} cannot be unpacked ({exc})"
        ) from None
    text = _decode_prolog(head)
    problem = _prolog_problem(text)
    lowered = text.lower()
    if problem == "dtd" or any(marker in lowered for marker in _DTD_MARKERS):
        raise InputFormatError(
            name,
            f"the workbook part {info.filename!r} declares a DTD or XML entities, which "
            "Excel never writes: refused as unsafe XML",
        )
    if problem == "incomplete" and len(head) >= limits.max_prolog_bytes:
        raise InputFormatError(
            name,
            f"the workbook part {info.filename!r} has no XML content in its first "
            f"{limits.max_prolog_bytes:,} bytes: refused as unsafe XML",
        )


def _check_workbook(name: str, content: bytes, limits: UploadLimits) -> None:
    archive = _open_zip(name, content)
    with archive:
        infos = archive.infolist()
        if not infos:
            raise InputFormatError(name, "the workbook is an empty zip archive")
        _check_directory(name, infos, limits)
        names = {i.filename for i in infos}
        kind = _kind_of_zip(archive, names)
        if kind == "ods":
            raise InputFormatError(
                name, "this is an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV"
            )
        if kind == "docx":
            raise InputFormatError(name, "this is a Word document, not an Excel workbook")
        if kind == "xlsb":
            raise InputFormatError(
                name, "binary Excel workbooks (.xlsb) are not supported; save it as .xlsx or CSV"
            )
        if kind != "xlsx":
            raise InputFormatError(
                name,
                "this zip archive is not an Excel workbook (no [Content_Types].xml and "
                "xl/workbook.xml)",
            )
        for info in infos:
            if info.filename.lower().endswith(_XML_SUFFIXES) or info.filename == "mimetype":
                _check_xml_part(name, archive, info, limits)


def check_upload(
    name: str, content: bytes, *, limits: UploadLimits = DEFAULT_LIMITS, text_width: bool = True
) -> None:
    """Raise InputFormatError (naming ``name``) unless ``content`` is a CSV or .xlsx we may parse.

    Cost: reads the zip directory and at most ``limits.max_prolog_bytes`` of each XML part;
    never inflates a whole part. ``name`` decides what the user meant (.csv or .xlsx); the
    content must agree with it.
    """
    display = str(name) or "upload"
    suffix = PurePath(display).suffix.lower()
    if not content or content.isspace():
        raise InputFormatError(display, "the file is empty")
    if content.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise InputFormatError(
            display,
            "this is a legacy Excel (.xls) or password-protected workbook; save it as .xlsx or CSV",
        )
    if suffix == ".ods":
        raise InputFormatError(
            display, "OpenDocument spreadsheets (.ods) are not supported; save it as .xlsx or CSV"
        )
    if suffix not in ALLOWED_SUFFIXES:
        raise InputFormatError(
            display, f"only .csv and .xlsx files are accepted (got {suffix or 'no extension'!r})"
        )
    is_zip = content.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC))
    if suffix in TEXT_SUFFIXES:
        if is_zip:
            raise InputFormatError(
                display,
                "this is an Excel workbook (zip content) named like a CSV; rename it to .xlsx",
            )
        _check_text(display, content, limits, text_width)
        return
    if not is_zip:
        if _looks_like_text(content):
            raise InputFormatError(
                display, "this is a text (CSV) file named .xlsx; rename it to .csv"
            )
        raise InputFormatError(display, "not an .xlsx workbook (the content is not a zip file)")
    _check_workbook(display, content, limits)


def check_input(name: str, content: bytes, container: str) -> None:
    """The guard for any input the readers are given (CLI paths and uploads alike).

    A file named ``.csv``/``.txt``/``.tsv``/``.xlsx`` gets the full :func:`check_upload` (a
    renamed or binary file is refused). Another name (bytes without a name, ``.xlsm``, an
    export without a suffix) is judged by its content, as the reader will take it: the
    workbook checks for a zip, the text checks otherwise. The line-width limit is left to the
    readers, which apply the same ``MAX_FIELDS_PER_ROW`` as they split the text (and name the
    row): no second pass over every byte.
    """
    display = str(name) or "upload"
    suffix = PurePath(display).suffix.lower()
    legacy = suffix in (".xls", ".ods", ".xlsb", ".numbers") or content.startswith(_OLE_MAGIC)
    if suffix in ALLOWED_SUFFIXES or legacy:
        check_upload(display, content, text_width=False)
    elif container == "xlsx":
        _check_workbook(display, content, DEFAULT_LIMITS)
    else:
        _check_text(display, content, DEFAULT_LIMITS, width=False)
