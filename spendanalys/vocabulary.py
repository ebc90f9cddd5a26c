"""The one yes/no vocabulary: the words a yes/no cell may hold, wherever it is read.

The words are data: ``yes_no_words.csv`` beside this module (its header explains the format).
Every reader compares a cell with these words after its own normalisation (lower case; the file
readers in ``spendanalys.io`` also fold punctuation and diacritics away) and applies the same
normalisation to the words, so all of them accept the same words.
"""

from __future__ import annotations

import csv
from importlib import resources

from spendanalys.errors import ConfigurationError

WORDS_FILE = "yes_no_words.csv"


def _load_words() -> tuple[frozenset[str], frozenset[str]]:
    """(yes words, no words) from the built-in file, lower case; a bad line is refused."""
    text = resources.files("spendanalys").joinpath(WORDS_FILE).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    words: dict[str, set[str]] = {"yes": set(), "no": set()}
    for row in csv.DictReader(lines):
        word = (row.get("word") or "").strip().lower()
        means = (row.get("means") or "").strip()
        if not word or means not in words:
            raise ConfigurationError(f"{WORDS_FILE}: {row} needs a word and means yes or no")
        words[means].add(word)
    both = words["yes"] & words["no"]
    if both:
        raise ConfigurationError(f"{WORDS_FILE}: {', '.join(sorted(both))} mean both yes and no")
    return frozenset(words["yes"]), frozenset(words["no"])


YES_WORDS, NO_WORDS = _load_words()
