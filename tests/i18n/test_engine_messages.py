"""The one table of engine-message shapes (``spendanalys/i18n/engine_messages.json``): every entry
is reachable, worded in both catalogues with its groups, and every ``engine.*`` catalogue key is
one the table uses (no words left behind when a shape goes)."""

from __future__ import annotations

import string

import pytest

from spendanalys.i18n import catalogue
from spendanalys.i18n.notes import Message, matching, messages, translate

ENTRIES = [pytest.param(m, id=f"{i}:{m.key}") for i, m in enumerate(messages())]
# Where the English report reads better than the engine's sentence: the column flag's name.
ENGLISH_REWORDED = {
    "engine.kpi_spend",
    "engine.kpi_factor",
    "engine.kpi_spend_one",
    "engine.kpi_factor_one",
}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("message", ENTRIES)
def test_each_example_is_matched_by_its_own_entry_and_no_earlier_one(message: Message) -> None:
    assert message.examples, message.key
    for example in message.examples:
        hit = matching(example)
        assert hit is not None, example
        assert hit[0] is message, f"{example!r} is taken by {hit[0].key}, an earlier entry"


@pytest.mark.parametrize("message", ENTRIES)
def test_each_entry_has_words_in_both_languages_for_exactly_its_groups(message: Message) -> None:
    for lang in ("sv", "en"):
        assert message.key in catalogue(lang), (message.key, lang)
        assert _fields(catalogue(lang)[message.key]) == set(message.pattern.groupindex), lang


@pytest.mark.parametrize("message", ENTRIES)
def test_english_says_what_the_engine_said(message: Message) -> None:
    for example in message.examples:
        if message.key in ENGLISH_REWORDED:
            assert translate(example, "en") != example
        elif "\"o'" not in example:  # repr's double quotes come back as the catalogue's single
            assert translate(example, "en") == example


def test_no_engine_key_in_the_catalogue_is_left_unused() -> None:
    used = {m.key for m in messages()}
    for lang in ("sv", "en"):
        engine_keys = {k for k in catalogue(lang) if k.startswith("engine.")}
        assert engine_keys == used, sorted(engine_keys ^ used)


def test_one_key_per_shape() -> None:
    keys = [m.key for m in messages()]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
