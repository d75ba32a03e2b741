from pathlib import Path

import pytest

from schakel.taxonomy import (
    PROXY_WORDS,
    Indicator,
    InvalidTaxonomy,
    Taxonomy,
    load_taxonomy,
    parse_taxonomy,
)
from schakel.vocabulary import ExploitationForm

INVALID = Path(__file__).parent / "invalid"

# One broken file per failure mode, with the words the message must contain.
CASES = {
    "duplicate_code.yaml": ["duplicate code", "debt_bondage"],
    "unknown_form.yaml": ["indicators[0] (debt_bondage).forms", "forced_begging"],
    "unknown_source.yaml": ["unknown source", "blog"],
    "nationality_proxy.yaml": ["source_country", "afkomst", "proxies"],
    "bad_code.yaml": ["code", "Debt-Bondage", "snake case"],
    "missing_label.yaml": ["label_nl", "Field required"],
    "no_forms.yaml": ["forms", "at least 1"],
    "bad_version.yaml": ["version", "semantic version"],
    "unused_source.yaml": ["nla", "cited by no indicator"],
    "not_yaml.yaml": ["not valid YAML"],
}


def test_every_fixture_has_a_case():
    assert {p.name for p in INVALID.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_invalid_taxonomy_is_refused_with_a_specific_message(name):
    with pytest.raises(InvalidTaxonomy) as info:
        load_taxonomy(INVALID / name)
    message = str(info.value)
    assert message.startswith(name)
    for word in CASES[name]:
        assert word in message


def test_packaged_taxonomy_loads_and_covers_every_form():
    tax = load_taxonomy()
    assert isinstance(tax, Taxonomy)
    assert len(tax) >= 30
    for form in ExploitationForm:
        assert tax.by_form(form), form


def test_codes_are_unique_and_lookup_works():
    tax = load_taxonomy()
    assert len(set(tax.codes)) == len(tax.codes)
    ind = tax.get("withheld_documents")
    assert isinstance(ind, Indicator)
    assert ind.label_nl == "Inhouden identiteitspapieren"
    assert "withheld_documents" in tax
    with pytest.raises(KeyError, match="nope"):
        tax.get("nope")


def test_no_indicator_is_a_nationality_or_origin_proxy():
    for ind in load_taxonomy():
        text = f"{ind.code} {ind.label_nl} {ind.description}".lower()
        assert not any(word in text for word in PROXY_WORDS), ind.code


def test_every_source_cited_exists_and_has_an_address():
    tax = load_taxonomy()
    for ind in tax:
        for src in ind.sources:
            assert tax.sources[src].url.startswith("http")


def test_dump_is_plain_data_and_versioned():
    dumped = load_taxonomy().dump()
    assert dumped["version"] == "1.0.0"
    assert len(str(dumped["content_hash"])) == 16
    first = dumped["indicators"][0]  # type: ignore[index]
    assert set(first) == {"code", "label_nl", "description", "forms", "sources"}
    assert all(isinstance(f, str) for f in first["forms"])


def test_content_hash_changes_with_content():
    text = (INVALID.parent / "invalid" / "duplicate_code.yaml").read_text()
    good = text.split("  - {code: debt_bondage, label_nl: Schuld opnieuw")[0]
    a = parse_taxonomy(good)
    b = parse_taxonomy(good.replace("afgewerkt", "afbetaald"))
    assert a.content_hash != b.content_hash


def test_models_are_immutable():
    ind = load_taxonomy().get("debt_bondage")
    with pytest.raises(Exception, match="frozen"):
        ind.code = "other"  # type: ignore[misc]


def test_public_surface():
    import schakel.taxonomy as pkg

    assert pkg.__all__ == sorted(pkg.__all__)
    for name in pkg.__all__:
        assert hasattr(pkg, name)
