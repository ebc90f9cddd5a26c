"""The engines' notes and reasons in the reader's language.

The spend and travel engines write their notes (``analysis.notes``), the reasons an invoice line
stayed unlinked (``link_note``), the forecast and decomposition methods and the sources of the
train-or-flight figures as English sentences, which the JSON keeps as they are. A report shows
them through :func:`translate`: each sentence is matched against the patterns of
``note_patterns.json`` (data, beside this module) and rewritten with the catalogue message of
the same key, its ``{placeholders}`` filled from the pattern's named groups. A text no pattern
knows is shown as written rather than guessed.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pandas as pd

from spendanalys.i18n import t

PATTERNS_FILE = Path(__file__).with_name("note_patterns.json")
SEPARATOR = "; "
# "<file> [<sheet>]: <note>": the file name is kept as written, the note translated.
_FILE_NOTE = re.compile(
    r"(?P<file>.+?\.(?:csv|txt|tsv|xlsx|xlsm|xls)(?: \[[^\]]*\])?): (?P<note>.+)\Z", re.I
)


@cache
def patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(catalogue key, compiled pattern) in the file's order, read once."""
    data = json.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
    return tuple((key, re.compile(rf"(?:{regex})\Z", re.DOTALL)) for key, regex in data["patterns"])


def _one(text: str, lang: str) -> str | None:
    for key, pattern in patterns():
        found = pattern.match(text)
        if found is None:
            continue
        values = {}
        for name, value in found.groupdict().items():
            if value is None:
                continue
            values[name] = translate(value, lang) if name.endswith("_text") else value
        return t(key, lang, **values) if values else t(key, lang)
    return None


def translate(text: object, lang: str) -> object:
    """``text`` in ``lang`` when a pattern knows it; notes joined by "; " one by one; anything
    that is not a string (a number, None) unchanged."""
    if not isinstance(text, str) or not text.strip():
        return text
    whole = _one(text.strip(), lang)
    if whole is not None:
        return whole
    parts = text.split(SEPARATOR)
    if len(parts) > 1:
        return SEPARATOR.join(str(translate(part, lang)) for part in parts)
    named = _FILE_NOTE.match(text.strip())
    if named is not None:  # a reader's note, named by its file (io.options.reader_notes)
        note = _one(named["note"], lang)
        if note is not None:
            return f"{named['file']}: {note}"
    return text


def translated(frame: pd.DataFrame, column: str, lang: str) -> pd.DataFrame:
    """``frame`` with ``column`` translated (a copy; unchanged when the column is absent)."""
    if column not in frame:
        return frame
    values = frame[column].astype("object")
    return frame.assign(**{column: values.map(lambda v: translate(v, lang))})
