"""One yes/no vocabulary (spendanalys/yes_no_words.csv): the three readers of a yes/no cell
(Miljökrav in contract files, ``exclude`` in account_map.csv, ``radiative_forcing`` in travel
factor sets) accept the same words with the same meaning, in any case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from spendanalys.errors import FactorError, InputFormatError
from spendanalys.io.values import parse_booleans
from spendanalys.spend.categories import load_category_rules
from spendanalys.travel.factors import load_travel_factor_set
from spendanalys.vocabulary import NO_WORDS, YES_WORDS

# Every word as written in the file, in capitals and capitalised (cells are typed by hand).
MEANING = {
    spelling: word in YES_WORDS
    for word in sorted(YES_WORDS | NO_WORDS)
    for spelling in (word, word.upper(), word.capitalize())
}
CATEGORY = "construction_works"  # any id of the built-in tree


def contract_reader(words: list[str]) -> list[bool | None]:
    parsed = parse_booleans(pd.Series(words, dtype=object))
    assert parsed.errors.isna().all(), parsed.errors.dropna().tolist()
    return [None if pd.isna(v) else bool(v) for v in parsed.values]


def account_map_reader(words: list[str], folder: Path) -> list[bool | None]:
    """One account range per word (accounts 90001, 90002, ...), read as the user's file."""
    file = folder / "account_map.csv"
    rows = [f"{90_001 + i},{90_001 + i},{CATEGORY},{w}" for i, w in enumerate(words)]
    file.write_text("account_from,account_to,category_id,exclude\n" + "\n".join(rows) + "\n")
    accounts = load_category_rules(account_map=file).accounts.set_index("account_from")
    return [bool(accounts.at[90_001 + i, "exclude"]) for i in range(len(words))]


def factor_set_reader(words: list[str], folder: Path) -> list[bool | None]:
    """One flight factor per word (told apart by ``variant``)."""
    file = folder / "factors.csv"
    rows = [f"flight,domestic,,v{i},{w},0.2,kg CO2e/pkm,test" for i, w in enumerate(words)]
    header = "mode,band,cabin,variant,radiative_forcing,factor,unit,source\n"
    file.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    table = load_travel_factor_set(file).table.set_index("variant")
    meaning = {"yes": True, "no": False, "": None}
    return [meaning[table.at[f"v{i}", "radiative_forcing"]] for i in range(len(words))]


@pytest.fixture(scope="module")
def read_by(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bool | None]]:
    """Reader -> {word: meaning read}; each reader reads every word once (read-only result)."""
    folder = tmp_path_factory.mktemp("vocabulary")
    words = list(MEANING)
    readers: dict[str, Callable[[list[str]], list[bool | None]]] = {
        "contracts (io)": contract_reader,
        "account_map.csv (spend)": lambda w: account_map_reader(w, folder),
        "travel factor set": lambda w: factor_set_reader(w, folder),
    }
    return {name: dict(zip(words, read(words), strict=True)) for name, read in readers.items()}


def test_the_vocabulary_has_swedish_and_english_words_and_no_overlap() -> None:
    assert {"ja", "yes", "sant", "true", "x", "1"} <= YES_WORDS
    assert {"nej", "no", "falskt", "false", "0"} <= NO_WORDS
    assert not YES_WORDS & NO_WORDS
    assert "" not in YES_WORDS | NO_WORDS  # what a blank means is each table's own rule


@pytest.mark.parametrize("word", list(MEANING))
def test_each_reader_reads_the_word_alike(
    read_by: dict[str, dict[str, bool | None]], word: str
) -> None:
    assert {reader: got[word] for reader, got in read_by.items()} == dict.fromkeys(
        read_by, MEANING[word]
    )


def test_a_word_outside_the_vocabulary_is_refused_by_each_reader(tmp_path: Path) -> None:
    parsed = parse_booleans(pd.Series(["kanske"], dtype=object))
    assert "is not yes/no" in str(parsed.errors.iloc[0])
    with pytest.raises(InputFormatError, match="is not yes or no"):
        account_map_reader(["kanske"], tmp_path)
    with pytest.raises(FactorError, match="is not yes/no"):
        factor_set_reader(["kanske"], tmp_path)


def test_a_blank_cell_keeps_each_tables_own_meaning(tmp_path: Path) -> None:
    """Miljökrav blank = unknown; exclude blank = not excluded; radiative_forcing blank = a
    factor that applies with and without RF."""
    assert contract_reader([""]) == [None]
    assert account_map_reader([""], tmp_path) == [False]
    assert factor_set_reader([""], tmp_path) == [None]
