"""Canonical columns of each input kind: the one place that names them.

Readers produce exactly these columns (plus ``source_file`` and ``source_row``); the engines,
the store and the CLI's ``--column FIELD=Header`` use the same names. Types are the pandas
dtypes of the canonical DataFrame:

- ``string``: text (pandas nullable string), missing as <NA>
- ``float``: float64, missing as NaN
- ``int``: Int64 (nullable)
- ``date``: datetime64[ns], missing as NaT
- ``boolean``: pandas nullable boolean; <NA> means *unknown* (a blank Miljökrav cell is not "no")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["contracts", "invoices", "trips", "fte"]
KINDS: tuple[Kind, ...] = ("contracts", "invoices", "trips", "fte")

FieldType = Literal["string", "float", "int", "date", "boolean"]

PANDAS_DTYPES: dict[FieldType, str] = {
    "string": "string",
    "float": "float64",
    "int": "Int64",
    "date": "datetime64[ns]",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    description: str


@dataclass(frozen=True)
class KindSchema:
    kind: Kind
    fields: tuple[Field, ...]
    # Every group must have at least one field present in the file's header; a group of several
    # names means "any of these".
    required: tuple[tuple[str, ...], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


SCHEMAS: dict[Kind, KindSchema] = {
    "contracts": KindSchema(
        "contracts",
        (
            Field("agreement_id", "string", "agreement (avtal) identifier as in the register"),
            Field("name", "string", "agreement name (avtalsnamn)"),
            Field("supplier", "string", "supplier name (leverantör)"),
            Field("org_number", "string", "supplier org number, normalised to 10 digits"),
            Field("category", "string", "purchase category as written in the register"),
            Field("cpv", "string", "CPV code, first eight digits"),
            Field("start_date", "date", "agreement start"),
            Field("end_date", "date", "agreement end"),
            Field(
                "value_sek", "float", "agreement value in SEK (per year where the register says so)"
            ),
            Field("environmental_requirements", "boolean", "miljökrav: True, False or unknown"),
            Field(
                "requirement_level",
                "string",
                "miljökrav criteria level: bas, avancerad, spjutspets or unknown",
            ),
            Field(
                "framework_id",
                "string",
                "the framework agreement (ramavtal) a call-off (avrop) is made under",
            ),
        ),
        required=(("agreement_id",),),
    ),
    "invoices": KindSchema(
        "invoices",
        (
            Field("invoice_id", "string", "invoice or verification number"),
            Field("date", "date", "invoice or booking date"),
            Field("supplier", "string", "supplier name"),
            Field("org_number", "string", "supplier org number, normalised to 10 digits"),
            Field("account", "string", "account code (konto)"),
            Field("amount_sek", "float", "amount excl. VAT in SEK; negative for credit notes"),
            Field("agreement_id", "string", "agreement identifier when the ledger carries it"),
            Field("text", "string", "invoice text (fakturatext)"),
            Field("currency", "string", "ISO currency code when not SEK"),
            Field("category", "string", "purchase category as written on the line"),
            Field(
                "amount_incl_vat_sek",
                "float",
                "amount incl. VAT (gross); made net with the VAT rate of the line's category",
            ),
        ),
        required=(
            ("amount_sek", "amount_incl_vat_sek"),
            ("supplier", "org_number", "agreement_id"),
        ),
    ),
    "trips": KindSchema(
        "trips",
        (
            Field("date", "date", "travel date"),
            Field("mode", "string", "flight, rail, car, taxi, bus or hotel"),
            Field("origin", "string", "IATA code or place"),
            Field("destination", "string", "IATA code or place"),
            Field("distance_km", "float", "one-way distance in km when given"),
            Field("travellers", "int", "number of travellers (default 1)"),
            Field("cabin", "string", "economy, premium, business or first"),
            Field("round_trip", "boolean", "tur och retur"),
            Field("unit", "string", "organisational unit (enhet)"),
            Field("gender", "string", "traveller's gender when recorded"),
            Field("cost_sek", "float", "cost in SEK"),
            Field("hotel_nights", "float", "hotel nights"),
            Field("fuel", "string", "a car's fuel (drivmedel) when recorded"),
            Field(
                "traveller_id",
                "string",
                "who travelled (employee number or name), only counted, never shown",
            ),
        ),
        required=(("mode",), ("date",)),
    ),
    "fte": KindSchema(
        "fte",
        (
            Field("year", "int", "calendar year"),
            Field("fte", "float", "årsarbetskrafter (FTE)"),
            Field("unit", "string", "organisational unit, when FTE is given per unit"),
            Field("gender", "string", "gender, when FTE is given per gender"),
        ),
        required=(("year",), ("fte",)),
    ),
}

# Provenance columns every reader adds: where the row came from, as the user sees it.
# A year a user or a data file may name (a goal, a baseline, a factor's price year): wider than
# any real one, narrow enough that arithmetic and storage never overflow.
YEARS = range(1900, 2101)

SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"

# Canonical travel vocabulary (DESIGN.md §5).
TRAVEL_MODES: tuple[str, ...] = ("flight", "rail", "car", "taxi", "bus", "hotel")
FLIGHT_BANDS: tuple[str, ...] = ("domestic", "short", "long")
CABINS: tuple[str, ...] = ("economy", "premium", "business", "first")


def canonical_columns(kind: Kind) -> list[str]:
    """The columns of a reader's accepted table, in order."""
    return [*SCHEMAS[kind].names, SOURCE_FILE, SOURCE_ROW]
