"""From a path or uploaded bytes to either decoded text (CSV) or workbook bytes (XLSX).

Why here: every "cannot be read at all" decision about the container (empty, binary, a zip that
is not a workbook, a legacy .xls) is made once, before any parsing, so the user gets one
:class:`InputFormatError` naming the file and the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from spendanalys.errors import InputFormatError
from spendanalys.io.upload_guard import check_input

Source = str | os.PathLike[str] | bytes

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
_LEGACY_SUFFIXES = {".xls", ".ods", ".xlsb", ".numbers"}
# Characters at the start of the text in which control characters are counted.
BINARY_SAMPLE_CHARS = 20_000
# Share of control characters (other than tab/CR/LF) above which decoded text is taken as binary.
_MAX_CONTROL_SHARE = 0.01
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class LoadedFile:
    """The raw content of an input and what kind of container it is."""

    name: str
    data: bytes
    container: Literal["text", "xlsx"]


def load_source(source: Source, name: str | None = None) -> LoadedFile:
    """Read the bytes and decide CSV-like text or XLSX workbook, refusing what is neither."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        display = name or "upload"
    else:
        path = Path(source)
        display = name or str(path)
        data = path.read_bytes()
    suffix = Path(display).suffix.lower()
    # The upload guard judges every input first (CLI paths too): DTDs, bombs, renamed files.
    check_input(display, data, "xlsx" if data.startswith(_ZIP_MAGIC) else "text")
    if not data or data.isspace():
        raise InputFormatError(display, "the file is empty")
    if suffix in _LEGACY_SUFFIXES:
        raise InputFormatError(
            display, f"{suffix} workbooks are not supported; save the sheet as .xlsx or CSV"
        )
    if data.startswith(_OLE_MAGIC):
        raise InputFormatError(
            display,
            "this is a legacy Excel (.xls) or password-protected workbook; save it as .xlsx or CSV",
        )
    if data.startswith(_ZIP_MAGIC) or suffix in _WORKBOOK_SUFFIXES:
        if not data.startswith(_ZIP_MAGIC):
            raise InputFormatError(display, "not an .xlsx workbook (the content is not a zip file)")
        return LoadedFile(display, data, "xlsx")
    return LoadedFile(display, data, "text")


def looks_like_utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nuls = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _normalise_newlines(text: str) -> str:
    """CRLF -> LF; lone CRs become line breaks only when they are the file's line ending.

    A file with bare-CR line endings (old Mac exports) has more lone CRs than LFs. Otherwise a
    lone CR is a stray character inside a row and stays (the parser treats only LF as a break).
    """
    if "\r" not in text:
        return text
    text = text.replace("\r\n", "\n")
    if text.count("\r") > text.count("\n"):
        text = text.replace("\r", "\n")
    return text


def text_encodings(data: bytes) -> tuple[str, ...]:
    """The encodings to try on a text export, in order; the first that decodes it is its own.

    A BOM decides (UTF-8, UTF-16 LE/BE), and so do the NUL bytes of BOM-less UTF-16; else
    strict UTF-8, then cp1252, the Windows default of Swedish (and UK) exports, then Latin-1
    for the bytes cp1252 leaves undefined (Latin-1 decodes anything). Both CSV paths (the
    bulk read and :func:`decode_text`) choose by this list.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return ("utf-8-sig",)
    if data.startswith(b"\xff\xfe"):
        return ("utf-16-le",)
    if data.startswith(b"\xfe\xff"):
        return ("utf-16-be",)
    utf16 = looks_like_utf16_without_bom(data)
    return (utf16,) if utf16 else ("utf-8", "cp1252", "latin-1")


def decode_text(file: LoadedFile) -> tuple[str, str]:
    """Decoded text with newlines normalised to LF, and the encoding that was chosen.

    The encoding is the first of :func:`text_encodings` that decodes the file. CRLF and
    bare-CR line endings become LF so that physical lines can be counted.
    """
    data = file.data
    encodings = text_encodings(data)
    skip = 3 if encodings[0] == "utf-8-sig" else 2 if data.startswith(_UTF16_BOMS) else 0
    payload = data[skip:] if skip else data
    if not encodings[0].startswith("utf-16") and b"\r\n" in payload:
        # CRLF -> LF on the bytes: the same as on the text for ASCII-compatible encodings
        # (a CR or LF byte is always that character), and much cheaper than a str replace.
        payload = payload.replace(b"\r\n", b"\n")
    text, encoding = _decode(file.name, payload, encodings)
    if encoding.startswith("utf-16"):
        encoding = "utf-16"
    check_binary(file.name, text)
    text = _normalise_newlines(text)
    check_start(file.name, text)
    return text, encoding


def _decode(name: str, payload: bytes, encodings: tuple[str, ...]) -> tuple[str, str]:
    """The text and encoding of the first of ``encodings`` that decodes ``payload``."""
    for encoding in encodings[:-1]:
        try:
            return payload.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    try:
        return payload.decode(encodings[-1]), encodings[-1]
    except UnicodeDecodeError as exc:  # only UTF-16 can fail here: Latin-1 decodes anything
        raise InputFormatError(name, f"invalid {encodings[-1]} text: {exc.reason}") from None


def check_binary(name: str, text: str) -> None:
    """Refuse decoded text with NUL bytes or many control characters at its start."""
    if "\x00" in text:
        raise InputFormatError(name, "binary content (NUL bytes): not a CSV or text export")
    sample = text[:BINARY_SAMPLE_CHARS]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\r\n\x0c")
    if controls > _MAX_CONTROL_SHARE * max(len(sample), 1):
        raise InputFormatError(name, "binary content: not a CSV or text export")


def check_start(name: str, text: str) -> None:
    """Refuse text (newlines normalised) that is empty, JSON or XML, judged from its start."""
    head = text.lstrip("\ufeff \t\n")[:1]
    if not head:
        raise InputFormatError(name, "the file has no text")
    if head in "{[":
        raise InputFormatError(name, "this is JSON, not a CSV export; export CSV or XLSX")
    if head == "<":
        raise InputFormatError(name, "this is XML or HTML, not a CSV export; export CSV or XLSX")
