from typing import TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schakel.linkage import InvalidValue, Kind, normalise


class Case(TypedDict):
    kind: Kind
    raw: str
    expect: str


CASES: list[Case] = [
    {"kind": Kind.PHONE, "raw": "06 1234 5678", "expect": "+31612345678"},
    {"kind": Kind.PHONE, "raw": "+31 (0)6-12345678", "expect": "+31612345678"},
    {"kind": Kind.PHONE, "raw": "0031612345678", "expect": "+31612345678"},
    {"kind": Kind.PHONE, "raw": "+380 50 123 4567", "expect": "+380501234567"},
    {
        "kind": Kind.IBAN,
        "raw": "nl91 abna 0417 1643 00",
        "expect": "NL91ABNA0417164300",
    },
    {"kind": Kind.PLATE, "raw": "ab-123-c", "expect": "AB123C"},
    {"kind": Kind.PLATE, "raw": "12-ABC-3", "expect": "12ABC3"},
    {
        "kind": Kind.EMAIL,
        "raw": " Anna.Vries@Example.NL",
        "expect": "anna.vries@example.nl",
    },
    {"kind": Kind.BSN, "raw": "111222333", "expect": "111222333"},
    {"kind": Kind.BSN, "raw": "1112.22.333", "expect": "111222333"},
    {"kind": Kind.POSTCODE, "raw": "1234 ab", "expect": "1234AB"},
    {"kind": Kind.POSTCODE, "raw": "1234AB 12-a", "expect": "1234AB 12A"},
    {"kind": Kind.POSTCODE, "raw": "4223", "expect": "4223"},
    {"kind": Kind.DATE, "raw": "3 maart 1990", "expect": "1990-03-03"},
    {"kind": Kind.DATE, "raw": "03-03-1990", "expect": "1990-03-03"},
    {"kind": Kind.DATE, "raw": "4-3-1998", "expect": "1998-03-04"},
    {"kind": Kind.DATE, "raw": "1998-03-04", "expect": "1998-03-04"},
    {"kind": Kind.DATE, "raw": "19980304", "expect": "1998-03-04"},
    {"kind": Kind.DATE, "raw": "04031998", "expect": "1998-03-04"},
    {"kind": Kind.DATE, "raw": "12 okt '85", "expect": "1985-10-12"},
    {"kind": Kind.DATE, "raw": "1998-03-04T10:00:00", "expect": "1998-03-04"},
    {"kind": Kind.NAME, "raw": "Van der Berg", "expect": "berg van der"},
    {"kind": Kind.NAME, "raw": "Berg, van der", "expect": "berg van der"},
    {"kind": Kind.NAME, "raw": "v.d. Berg", "expect": "berg van der"},
    {"kind": Kind.NAME, "raw": "van 't Hof", "expect": "hof van t"},
    {"kind": Kind.NAME, "raw": "Мельник", "expect": "melnyk"},
    {"kind": Kind.NAME, "raw": "Ştefănescu", "expect": "stefanescu"},
    {"kind": Kind.NAME, "raw": "Łukasz Wiśniewski", "expect": "lukasz wisniewski"},
    {"kind": Kind.NAME, "raw": "  Zoë  O'Brien ", "expect": "zoe obrien"},
    {"kind": Kind.ADDRESS, "raw": "Kerkstr. 12-A", "expect": "kerkstraat 12 a"},
    {"kind": Kind.TEXT, "raw": " Ré-Sumé ", "expect": "re sume"},
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['kind']}:{c['raw']}")
def test_normalise_cases(case: Case) -> None:
    assert normalise(case["kind"], case["raw"]) == case["expect"]


BAD = [
    (Kind.IBAN, "NL91ABNA0417164301"),  # checksum
    (Kind.BSN, "111222334"),  # 11-proof
    (Kind.BSN, "12345"),
    (Kind.DATE, "31-02-1990"),
    (Kind.DATE, "gisteren"),
    (Kind.PHONE, "bel me"),
    (Kind.EMAIL, "anna@"),
    (Kind.PLATE, "A"),
    (Kind.POSTCODE, "??"),
]


@pytest.mark.parametrize(("kind", "raw"), BAD)
def test_invalid_values_raise_with_the_value(kind, raw):
    with pytest.raises(InvalidValue) as info:
        normalise(kind, raw)
    assert repr(raw) in str(info.value)


@pytest.mark.parametrize("kind", list(Kind))
def test_blank_is_missing_not_an_error(kind):
    assert normalise(kind, "   ") == ""


def test_spelling_variants_fold_together():
    variants = [
        "Van der Berg",
        "van der berg",
        "VAN DER BERG",
        "Berg van der",
        "vd Berg",
    ]
    assert len({normalise(Kind.NAME, v) for v in variants}) == 1


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(list(Kind)), raw=st.text(max_size=30))
def test_normalisers_are_idempotent(kind, raw):
    try:
        once = normalise(kind, raw)
    except InvalidValue:
        return
    assert normalise(kind, once) == once


@settings(max_examples=60, deadline=None)
@given(
    year=st.integers(1900, 2030), month=st.integers(1, 12), day=st.integers(1, 28),
    style=st.sampled_from(["{y}-{m:02d}-{d:02d}", "{d:02d}-{m:02d}-{y}", "{d}-{m}-{y}",
                           "{y}{m:02d}{d:02d}", "{d}/{m}/{y}"]),
)  # fmt: skip
def test_date_formats_agree(year, month, day, style):
    raw = style.format(y=year, m=month, d=day)
    assert normalise(Kind.DATE, raw) == f"{year}-{month:02d}-{day:02d}"
