"""Linking invoice lines to agreements: the rule order and its edge cases (DESIGN.md §2)."""

from __future__ import annotations

import pandas as pd
import pytest
from spend_fixtures import canonical_frame

from spendanalys.spend.linking import (
    link_invoices_to_agreements,
    normalise_org_number,
    normalise_supplier_name,
)


def _register():
    return canonical_frame(
        "contracts",
        [
            dict(
                agreement_id="AV-2021-001", supplier="Städbolaget Väst AB", org_number="5566778899"
            ),
            dict(
                agreement_id="AV-2021-002",
                supplier="Kontorsvaror i Norr AB",
                org_number="5561112223",
            ),
            dict(
                agreement_id="AV-2022-003",
                supplier="Kontorsvaror i Norr AB",
                org_number="5561112223",
            ),
            dict(agreement_id="AV-2022-004", supplier="Tolk & Översättning HB", org_number=None),
            dict(agreement_id="AV-2023-005", supplier="Nordic Food Oy", org_number="5560001111"),
        ],
    )


def _link(**line):
    invoices = canonical_frame("invoices", [dict(amount_sek=1.0, **line)])
    out = link_invoices_to_agreements(invoices, _register())
    row = out.iloc[0]
    linked = None if pd.isna(row["linked_agreement_id"]) else row["linked_agreement_id"]
    note = None if pd.isna(row["link_note"]) else row["link_note"]
    return linked, row["link_rule"], note


@pytest.mark.parametrize(
    ("line", "agreement", "rule"),
    [
        # Agreement id wins over everything, compared without case or surrounding space.
        (
            dict(agreement_id=" av-2021-001 ", org_number="5561112223"),
            "AV-2021-001",
            "agreement_id",
        ),
        # Org number in three spellings: with hyphen, plain, and as a VAT number.
        (dict(org_number="556677-8899"), "AV-2021-001", "org_number"),
        (dict(org_number="SE556677889901"), "AV-2021-001", "org_number"),
        (dict(org_number="SE 5566778899 01"), "AV-2021-001", "org_number"),
        # Name in other case and without the legal form.
        (dict(supplier="STÄDBOLAGET VÄST"), "AV-2021-001", "supplier_name"),
        (dict(supplier="städbolaget väst aktiebolag"), "AV-2021-001", "supplier_name"),
        (dict(supplier="Tolk och Översättning"), "AV-2022-004", "supplier_name"),
        # Unknown agreement id falls through to the org number.
        (dict(agreement_id="AV-1999-999", org_number="5560001111"), "AV-2023-005", "org_number"),
        # One supplier with two agreements: neither org number nor name can decide.
        (dict(org_number="5561112223", supplier="Kontorsvaror i Norr AB"), None, "unlinked"),
        # A name that matches, but the org numbers disagree: not linked.
        (dict(supplier="Nordic Food", org_number="5569998888"), None, "unlinked"),
        (dict(supplier="Någon helt annan AB"), None, "unlinked"),
        (dict(), None, "unlinked"),
    ],
)
def test_link_rules(line, agreement, rule):
    linked, got_rule, _ = _link(**line)
    assert (linked, got_rule) == (agreement, rule)


def test_notes_say_why_a_line_was_not_linked():
    _, _, note = _link(org_number="5561112223")
    assert note == "org number 5561112223 belongs to 2 agreements"
    _, _, note = _link(agreement_id="X-1")
    assert note == "agreement id 'X-1' is not in the register"
    _, _, note = _link(supplier="Nordic Food", org_number="5569998888")
    assert "AV-2023-005" in note and "org numbers differ" in note


def test_repeated_register_ids_link_to_the_first_row():
    register = pd.concat([_register(), _register().iloc[[0]]], ignore_index=True)
    invoices = canonical_frame("invoices", [dict(agreement_id="AV-2021-001", amount_sek=5.0)])
    out = link_invoices_to_agreements(invoices, register)
    assert out["linked_agreement_id"].iloc[0] == "AV-2021-001"


def test_linking_keeps_every_line_and_does_not_touch_the_input():
    invoices = canonical_frame(
        "invoices",
        [dict(org_number="5566778899", amount_sek=float(i)) for i in range(1000)]
        + [dict(supplier="okänd", amount_sek=1.0)],
    )
    before = invoices.copy()
    out = link_invoices_to_agreements(invoices, _register())
    assert len(out) == len(invoices)
    pd.testing.assert_frame_equal(invoices, before)
    assert (out["link_rule"].iloc[:1000] == "org_number").all()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("556677-8899", "5566778899"),
        ("5566778899", "5566778899"),
        ("SE556677889901", "5566778899"),
        ("se 556677-8899 01", "5566778899"),
        ("198001011234", "8001011234"),
        ("12345", None),
        ("", None),
    ],
)
def test_org_number_normalisation(raw, expected):
    got = normalise_org_number(pd.Series([raw], dtype="string")).iloc[0]
    assert (None if pd.isna(got) else got) == expected


def test_supplier_name_normalisation():
    names = pd.Series(
        ["Städbolaget Väst AB", "STÄDBOLAGET VÄST aktiebolag", "A/S", None], dtype="string"
    )
    keys = normalise_supplier_name(names)
    assert keys.iloc[0] == keys.iloc[1] == "städbolaget väst"
    assert keys.iloc[2] == "a s"  # a name made only of a legal form keeps its text
    assert pd.isna(keys.iloc[3])
