"""The engines' English messages in the reader's language, for the reports and the dashboard.

The spend, travel and reader code write their notes (``analysis.notes``), the reasons a row was
rejected or an invoice line stayed unlinked, the forecast and decomposition methods, the sources
of the train-or-flight figures and the form checks as English sentences of known shapes, which
the JSON keeps as they are. Every output words them through :func:`translate` (the dashboard
through :func:`worded`, the same function for a string): the sentence is matched against the
patterns of ``engine_messages.json`` (data, beside this module; its ``_format`` says how) and
rewritten with the catalogue message of the same key, its ``{placeholders}`` filled from the
pattern's named groups. A text no pattern knows is shown as written rather than guessed.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from spendanalys.i18n import t

MESSAGES_FILE = Path(__file__).with_name("engine_messages.json")
SEPARATOR = "; "
# "<file> [<sheet>]: <note>": the file name is kept as written, the note translated.
_FILE_NOTE = re.compile(
    r"(?P<file>.+?\.(?:csv|txt|tsv|xlsx|xlsm|xls)(?: \[[^\]]*\])?): (?P<note>.+)\Z", re.I
)


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
        name: str(translate(value, lang)) if name.endswith("_text") else value
        for name, value in found.groupdict().items()
        if value is not None
    }
    return t(message.key, lang, **values)


def translate(text: object, lang: str) -> object:
    """``text`` in ``lang`` when a pattern knows it: a reader's note after its "<file>: ", else
    the whole text, else notes joined by "; " one by one; anything that is not a string (a
    number, None) unchanged."""
    if not isinstance(text, str) or not text.strip():
        return text
    # A reader's note, named by its file (io.options.reader_notes), first: a pattern that opens
    # with a value (".+ is not a number") would otherwise take the file name for part of it.
    named = _FILE_NOTE.match(text.strip())
    if named is not None:
        note = _one(named["note"], lang)
        if note is not None:
            return f"{named['file']}: {note}"
    whole = _one(text.strip(), lang)
    if whole is not None:
        return whole
    parts = text.split(SEPARATOR)
    if len(parts) > 1:
        return SEPARATOR.join(str(translate(part, lang)) for part in parts)
    return text


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
