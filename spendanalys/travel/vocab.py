"""Travel vocabulary: the words users' exports use for modes and cabin classes.

Readers leave ``mode`` and ``cabin`` as written; the travel engine maps them here onto the
canonical values of DESIGN.md §5 and rejects what it does not know. Matching ignores case,
surrounding spaces and the words "klass"/"class". Extend the tables, never guess.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

MODE_WORDS: dict[str, str] = {
    # flight
    "flyg": "flight", "flygresa": "flight", "flight": "flight", "air": "flight", "plane": "flight",
    "flyg inrikes": "flight", "flyg utrikes": "flight", "avion": "flight", "flug": "flight",
    "flugzeug": "flight", "vol": "flight",
    # rail
    "tåg": "rail", "tag": "rail", "train": "rail", "rail": "rail", "järnväg": "rail",
    "tågresa": "rail", "bahn": "rail", "zug": "rail", "tgv": "rail", "ter": "rail",
    # car (own, rental or fleet: the factor is per vehicle-km either way; CAR_KIND_WORDS says which)
    "bil": "car", "car": "car", "hyrbil": "car", "rental car": "car", "egen bil": "car",
    "privat bil": "car", "privatbil": "car", "own car": "car", "private car": "car",
    "tjänstebil": "car", "bilpool": "car", "poolbil": "car", "förmånsbil": "car",
    "leasingbil": "car", "myndighetens bil": "car", "company car": "car", "pool car": "car",
    "fleet car": "car", "pkw": "car", "mietwagen": "car", "voiture": "car",
    "véhicule personnel": "car", "vehicule personnel": "car", "voiture de location": "car",
    # taxi
    "taxi": "taxi", "cab": "taxi",
    # bus
    "buss": "bus", "bus": "bus", "coach": "bus", "långfärdsbuss": "bus",
    # hotel
    "hotell": "hotel", "hotel": "hotel", "hotellnatt": "hotel", "hotellnätter": "hotel",
    "logi": "hotel", "övernattning": "hotel", "hôtel": "hotel", "übernachtung": "hotel",
    "nuitée": "hotel",
}  # fmt: skip

BOOKING_CLASSES_PATH = Path(__file__).with_name("data") / "booking_classes.csv"
CABINS: tuple[str, ...] = ("economy", "premium", "business", "first")


def booking_classes(path: Path = BOOKING_CLASSES_PATH) -> dict[str, str]:
    """IATA booking-class letter (upper case) -> cabin, from ``data/booking_classes.csv``."""
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    table: dict[str, str] = {}
    for row in csv.DictReader(lines):
        code, cabin = (row.get("code") or "").strip().upper(), (row.get("cabin") or "").strip()
        if len(code) != 1 or not code.isalpha() or cabin not in CABINS:
            raise ValueError(f"{path.name}: {row} needs a one-letter code and one of {CABINS}")
        table[code] = cabin
    return table


# Cabin words in Swedish, English, German and French; "klass", "class", "Klasse", "classe" are
# dropped before the lookup ("Classe affaires" = "affaires"), and the one-letter booking
# classes come from data/booking_classes.csv.
CABIN_WORDS: dict[str, str] = {
    "economy": "economy", "ekonomi": "economy", "eco": "economy", "turist": "economy",
    "economy class": "economy", "standard": "economy", "touristenklasse": "economy",
    "economique": "economy", "économique": "economy", "éco": "economy",
    "premium": "premium", "premium economy": "premium", "premium ekonomi": "premium",
    "premium eco": "premium", "ekonomi plus": "premium", "premium economique": "premium",
    "premium économique": "premium",
    "business": "business", "affärs": "business", "affär": "business", "affaires": "business",
    "first": "first", "första": "first", "forsta": "first", "erste": "first",
    "premiere": "first", "première": "first",
    **{code.lower(): cabin for code, cabin in booking_classes().items()},
}  # fmt: skip

# The kind of car, as Naturvårdsverket's yearly figures ask for it, read from the mode as
# written. Only what the data says: a plain "Bil"/"car" is "unspecified", never guessed as own.
CAR_KINDS: tuple[str, ...] = ("own", "rental", "fleet", "unspecified")
CAR_KIND_WORDS: dict[str, str] = {
    "egen bil": "own", "privat bil": "own", "privatbil": "own", "own car": "own",
    "private car": "own", "véhicule personnel": "own", "vehicule personnel": "own",
    "hyrbil": "rental", "rental car": "rental", "mietwagen": "rental",
    "voiture de location": "rental",
    # fleet: the agency's own or leased cars, pool cars and benefit cars (förmånsbil)
    "tjänstebil": "fleet", "bilpool": "fleet", "poolbil": "fleet", "förmånsbil": "fleet",
    "leasingbil": "fleet", "myndighetens bil": "fleet", "company car": "fleet",
    "pool car": "fleet", "fleet car": "fleet",
    "bil": "unspecified", "car": "unspecified", "pkw": "unspecified", "voiture": "unspecified",
}  # fmt: skip

# A car's fuel (drivmedel), as written, onto the factor rows' variant codes. A fuel not listed
# prices as the set's average car (the car row without a variant), with a note and the count.
FUELS: tuple[str, ...] = (
    "petrol", "diesel", "electric", "plug_in_hybrid", "hybrid", "e85", "biogas", "hvo",
)  # fmt: skip
FUEL_WORDS: dict[str, str] = {
    "bensin": "petrol", "bensinbil": "petrol", "petrol": "petrol", "gasoline": "petrol",
    "benzin": "petrol", "e10": "petrol", "95": "petrol", "98": "petrol",
    "diesel": "diesel", "dieselbil": "diesel", "b7": "diesel",
    "el": "electric", "elbil": "electric", "elektrisk": "electric", "elektricitet": "electric",
    "electric": "electric", "electricity": "electric", "bev": "electric", "ev": "electric",
    "battery electric": "electric", "battery electric vehicle": "electric",
    "laddhybrid": "plug_in_hybrid", "laddhybridbil": "plug_in_hybrid",
    "laddbar hybrid": "plug_in_hybrid", "plug in hybrid": "plug_in_hybrid",
    "plugin hybrid": "plug_in_hybrid", "phev": "plug_in_hybrid",
    "hybrid": "hybrid", "elhybrid": "hybrid", "hybridbil": "hybrid", "hev": "hybrid",
    "hybrid electric": "hybrid", "full hybrid": "hybrid", "mildhybrid": "hybrid",
    "mild hybrid": "hybrid",
    "e85": "e85", "e 85": "e85", "etanol": "e85", "ethanol": "e85", "etanolbil": "e85",
    "biogas": "biogas", "fordonsgas": "biogas", "gasbil": "biogas", "vehicle gas": "biogas",
    "biomethane": "biogas", "biometan": "biogas", "cbg": "biogas", "bio cng": "biogas",
    "hvo": "hvo", "hvo100": "hvo", "hvo 100": "hvo", "renewable diesel": "hvo",
    "förnybar diesel": "hvo",
}  # fmt: skip

# Gender as written onto "woman" / "man"; any other value is kept as written (a third gender
# category, "annat"), a blank is "unknown".
GENDER_WORDS: dict[str, str] = {
    "kvinna": "woman", "kvinnor": "woman", "k": "woman", "kv": "woman", "female": "woman",
    "f": "woman", "woman": "woman", "women": "woman", "w": "woman", "dam": "woman",
    "man": "man", "män": "man", "m": "man", "male": "man", "men": "man", "herr": "man",
}  # fmt: skip

_CLASS_WORDS = re.compile(r"\b(klass|class|klassen|klasse|classe)\b")


def _key(text: str) -> str:
    key = _CLASS_WORDS.sub("", text.strip().lower())
    return " ".join(key.replace("-", " ").replace("_", " ").split())


def normalise_mode(text: str) -> str | None:
    """A written mode (``Flyg``, ``Hyrbil``) as a canonical mode, or None when unknown."""
    return MODE_WORDS.get(_key(text))


def normalise_cabin(text: str) -> str | None:
    """A written cabin (``Ekonomi``, ``Business class``) as a canonical cabin, or None."""
    return CABIN_WORDS.get(_key(text))


def normalise_gender(values: pd.Series) -> pd.Series:
    """``woman``, ``man``, the value as written (stripped) for another category, ``unknown``
    for a blank. Once per distinct value."""
    codes, labels = gender_codes(values)
    return pd.Series(labels[codes], index=values.index, dtype="object")


def gender_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`normalise_gender` as (codes, labels): ``labels[codes]``, the labels sorted (so
    that grouping on the codes orders groups as grouping on the labels)."""
    codes, unique = pd.factorize(values, use_na_sentinel=True)
    mapped = [GENDER_WORDS.get(_key(str(u)), str(u).strip() or "unknown") for u in unique]
    label_codes, labels = pd.factorize(np.array([*mapped, "unknown"], dtype=object), sort=True)
    return label_codes[codes], np.asarray(labels, dtype=object)


def map_column(values: pd.Series, words: dict[str, str]) -> pd.Series:
    """Map a text column through ``words`` on unique values; <NA> stays <NA>, unknown -> "?"."""
    codes, unique = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([words.get(_key(str(u)), "?") for u in unique] + [pd.NA], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype="object")
