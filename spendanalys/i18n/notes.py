"""The engines' English messages in the reader's language, for the reports and the dashboard.

The spend, travel and reader code write their notes (``analysis.notes``), the reasons a row was
rejected or an invoice line stayed unlinked, the forecast and decomposition methods, the sources
of the train-or-flight figures and the form checks as English sentences of known shapes, which
the JSON keeps as they are. Every output words them through :func:`translate` (the dashboard
through :func:`worded`, the same function for a string): the sentence is matched against the
patterns of ``engine_messages.json`` (data, beside this module; its ``_format`` says how) and
rewritten with the catalogue message of the same key, its ``{placeholders}`` filled from the
pattern's named groups. A text no pattern knows is shown as written rather than guessed.

The raised errors (``spendanalys.errors``) are worded the same way: their text after the place
they name (``InputFormatError``'s "<file>, sheet 'S', row N, column 'C': ", ``FactorError``'s
"<file>, row N: ") is a message of the table, the place's words come from the catalogue
(``error.*``) and the file, sheet, row and column are kept as written.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from spendanalys.i18n import format_number, normalise_language, t

MESSAGES_FILE = Path(__file__).with_name("engine_messages.json")
SEPARATOR = "; "
# "<file> [<sheet>]: <note>": the file name is kept as written, the note translated.
_FILE_NOTE = re.compile(
    r"(?P<file>.+?\.(?:csv|txt|tsv|xlsx|xlsm|xls)(?: \[[^\]]*\])?): (?P<note>.+)\Z", re.I
)
# The place an error names (errors.InputFormatError.__str__, FactorError.__str__): at least one
# of sheet, row and column after the file; the quotes are repr's, kept as they are.
_QUOTED = r"(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
_ERROR_PLACE = re.compile(
    rf"(?P<file>.+?)(?=, (?:sheet|row|column) )(?:, sheet (?P<sheet>{_QUOTED}))?"
    rf"(?:, row (?P<row>\d+))?(?:, column (?P<column>{_QUOTED}))?: (?P<note>.+)\Z",
    re.DOTALL,
)
# Canonical field names joined by " or " (a group whose name ends in _fields): the names stay,
# the word between them is the catalogue's.
_OR = " or "
# The language the engines write in: a _num group keeps its digits as written there.
ENGINE_LANGUAGE = "en"


class Message(NamedTuple):
    """One shape of engine message: its catalogue key, the compiled whole-text pattern, the
    real messages it was written for and the module that writes it."""

    key: str
    pattern: re.Pattern[str]
    examples: tuple[str, ...]
    source: str


@cache
def messages() -> tuple[Message, ...]:
    """The table in the file's order (the first match wins), read once."""
    data = json.loads(MESSAGES_FILE.read_text(encoding="utf-8"))
    return tuple(
        Message(
            m["key"],
            re.compile(rf"(?:{m['pattern']})\Z", re.DOTALL),
            tuple(m["examples"]),
            m["from"],
        )
        for m in data["messages"]
    )


def matching(text: str) -> tuple[Message, re.Match[str]] | None:
    """The first message of the table whose pattern matches all of ``text``, with the match."""
    for message in messages():
        found = message.pattern.match(text)
        if found is not None:
            return message, found
    return None


@lru_cache(maxsize=4096)  # the same note repeats down a column of thousands of lines
def _one(text: str, lang: str) -> str | None:
    hit = matching(text)
    if hit is None:
        return None
    message, found = hit
    values = {
        name: _filled(name, value, lang)
        for name, value in found.groupdict().items()
        if value is not None
    }
    return t(message.key, lang, **values)


def _filled(name: str, value: str, lang: str) -> str:
    """A group's value as its message shows it: a _text group worded, a _fields group's
    " or " in ``lang``, a _num group (a whole number the engine wrote with "," or " " between
    thousands) as ``lang`` prints numbers (:func:`spendanalys.i18n.format_number`), any other as
    written."""
    if name.endswith("_text"):
        return str(translate(value, lang))
    if name.endswith("_fields"):
        return value.replace(_OR, f" {t('error.or', lang)} ")
    if name.endswith("_num") and normalise_language(lang) != ENGINE_LANGUAGE:
        digits = "".join(c for c in value if c.isdigit())
        return format_number(int(digits), lang) if digits else value
    return value


def _placed(text: str, lang: str) -> str | None:
    """An error's text with its place (file, sheet, row, column) worded around the values as
    written, when its message after the place is one of the table's; else None."""
    found = _ERROR_PLACE.match(text)
    if found is None:
        return None
    note = _one(found["note"], lang)
    if note is None:
        return None
    where = [found["file"]]
    where += [
        t(f"error.{part}", lang, **{part: found[part]})
        for part in ("sheet", "row", "column")
        if found[part] is not None
    ]
    return f"{', '.join(where)}: {note}"


def translate(text: object, lang: str) -> object:
    """``text`` in ``lang`` when a pattern knows it: an error's message after the place it
    names, a reader's note after its "<file>: ", else the whole text, else a message after a
    name, else notes joined by "; " one by one; anything that is not a string (a number, None)
    unchanged."""
    if not isinstance(text, str) or not text.strip():
        return text
    return _worded_text(text, lang)


@lru_cache(maxsize=8192)  # a report column repeats its few distinct texts down many rows
def _worded_text(text: str, lang: str) -> str:
    # An error naming its sheet, row or column first: the file name may hold anything.
    placed = _placed(text.strip(), lang)
    if placed is not None:
        return placed
    # A reader's note, named by its file (io.options.reader_notes), next: a pattern that opens
    # with a value (".+ is not a number") would otherwise take the file name for part of it.
    named = _FILE_NOTE.match(text.strip())
    if named is not None:
        note = _one(named["note"], lang)
        if note is not None:
            return f"{named['file']}: {note}"
    whole = _one(text.strip(), lang)
    if whole is not None:
        return whole
    named_anyhow = _named(text.strip(), lang)
    if named_anyhow is not None:
        return named_anyhow
    parts = text.split(SEPARATOR)
    if len(parts) > 1:
        return SEPARATOR.join(str(translate(part, lang)) for part in parts)
    return text


def _named(text: str, lang: str) -> str | None:
    """ "<name>: <message>" with the message worded, when no pattern knows the whole text: an
    error naming a file or an upload without a usual extension ("upload: ...", "README.md:
    ..."). The first ": " after which a message of the table follows ends the name; a name
    holds no "; " (that is a list of notes, worded one by one)."""
    start = text.find(": ")
    while start > 0 and SEPARATOR not in text[:start]:
        note = _one(text[start + 2 :], lang)
        if note is not None:
            return f"{text[:start]}: {note}"
        start = text.find(": ", start + 2)
    return None


def worded(message: str, lang: str) -> str:
    """:func:`translate` for a message known to be a string (the dashboard's notes, reasons and
    errors): the same words the reports print."""
    return str(translate(message, lang))


def translated(frame: pd.DataFrame, column: str, lang: str) -> pd.DataFrame:
    """``frame`` with ``column`` translated (a copy; unchanged when the column is absent)."""
    if column not in frame:
        return frame
    values = frame[column].astype("object")
    return frame.assign(**{column: values.map(lambda v: translate(v, lang))})
