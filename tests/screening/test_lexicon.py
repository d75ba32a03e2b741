from pathlib import Path

import pytest

from schakel.screening import InvalidLexicon, Screener, load_lexicon
from schakel.taxonomy import load_taxonomy

HERE = Path(__file__).parent
INVALID = HERE / "invalid"
SMALL_TAXONOMY = load_taxonomy(INVALID / "taxonomy.yaml")

# One broken lexicon per failure mode, with the words the message must contain.
CASES = {
    "unknown_code.yaml": ["indicators.trafficking_vibes", "unknown indicator code"],
    "form_not_in_taxonomy.yaml": [
        "debt_bondage",
        "criminal_exploitation",
        "not a form",
    ],
    "duplicate_term.yaml": ["debt_bondage", "duplicate term", "Schuld Afbetalen"],
    "uncovered_indicator.yaml": ["organ_removal", "no entry", "not_screened"],
    "proxy_term.yaml": ["nationaliteit", "proxies"],
    "duplicate_key.yaml": ["duplicate key", "debt_bondage", "line"],
    "weight_out_of_range.yaml": ["indicators.debt_bondage.weight", "1.5"],
    "near_one_group.yaml": ["near.0.groups", "at least 2"],
    "no_patterns.yaml": ["debt_bondage", "at least one of terms"],
    "taxonomy_version_mismatch.yaml": ["taxonomy_version 2.0.0", "major version"],
    "unknown_not_screened.yaml": ["not_screened", "mystery"],
    "unknown_field.yaml": ["colour", "Extra inputs are not permitted"],
}


def test_every_fixture_has_a_case():
    names = {p.name for p in INVALID.glob("*.yaml")} - {"taxonomy.yaml"}
    assert names == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_invalid_lexicon_is_refused_with_a_specific_message(name):
    with pytest.raises(InvalidLexicon) as info:
        load_lexicon(INVALID / name, taxonomy=SMALL_TAXONOMY)
    message = str(info.value)
    assert message.startswith(name)
    for word in CASES[name]:
        assert word in message


def test_valid_small_lexicon_loads_and_screens():
    lexicon = load_lexicon(HERE / "valid_small_lexicon.yaml", taxonomy=SMALL_TAXONOMY)
    screener = Screener(lexicon)
    result = screener.screen("Hij moest zijn nier verkopen. Geen schuld afbetalen.")
    assert [(h.code, h.negated) for h in result.indicators] == [
        ("organ_removal", False),
        ("debt_bondage", True),
    ]
    assert result.flagged


def test_packaged_lexicon_covers_the_packaged_taxonomy():
    lexicon = load_lexicon()
    tax = load_taxonomy()
    assert set(lexicon.spec.indicators) | set(lexicon.spec.not_screened) == set(
        tax.codes
    )
    assert lexicon.taxonomy is tax
    assert lexicon.version == "1.0.0"


def test_lexicon_forms_are_within_the_taxonomy():
    lexicon = load_lexicon()
    for code in lexicon.spec.indicators:
        assert set(lexicon.forms_of(code)) <= set(load_taxonomy().get(code).forms)


def test_lemma_expansion_uses_the_lookup_table():
    from schakel.screening import expand_term

    spellings = set(expand_term("~ronselen jongeren"))
    assert "ronselen jongeren" in spellings
    assert "geronseld jongeren" in spellings
