from typing import Any

import pytest

from schakel.linkage import Encoder, InvalidEncoding, match, match_detailed

from .factory import CONFIG, linked_sets

SECRET = b"a-test-secret-of-enough-bytes"


def encode(rows: list[dict[str, str]], secret: bytes = SECRET) -> list[dict[str, Any]]:
    enc = Encoder(secret, CONFIG)
    return [enc.encode(r).record for r in rows]


@pytest.fixture(scope="module")
def simulated():
    a, b, truth = linked_sets(seed=7, n_links=300, n_only=200)
    return encode(a), encode(b), truth


def quality(pairs: list[Any], truth: set[tuple[str, str]]) -> tuple[float, float]:
    got = {(p.id_a, p.id_b) for p in pairs}
    tp = len(got & truth)
    return tp / max(len(got), 1), tp / len(truth)


@pytest.mark.parametrize(
    "limit", [10**9, 125_000, 0], ids=["all-pairs", "blocking", "blocking-min-sample"]
)
def test_simulated_links_are_found_with_default_settings(simulated, limit):
    a, b, truth = simulated
    result = match_detailed(a, b, one_to_one=True, all_pairs_limit=limit)
    precision, recall = quality(result.pairs, truth)
    assert precision >= 0.98
    assert recall >= 0.95
    if limit < len(a) * len(b):
        assert result.compared < len(a) * len(b) / 5  # blocking really prunes


def test_scores_are_probabilities_and_one_to_one_uses_each_record_once(simulated):
    a, b, _ = simulated
    pairs = match(a, b, one_to_one=True, threshold=0.0)
    assert all(0.0 <= p.score <= 1.0 for p in pairs)
    assert len({p.id_a for p in pairs}) == len(pairs)
    assert len({p.id_b for p in pairs}) == len(pairs)


def test_threshold_is_respected(simulated):
    a, b, _ = simulated
    assert all(p.score >= 0.9 for p in match(a, b, threshold=0.9))
    assert len(match(a, b, threshold=0.9)) <= len(match(a, b, threshold=0.1))


def test_swapped_given_name_and_surname_still_match():
    a, b, _ = linked_sets(seed=3, n_links=150, n_only=150)
    linked = [r for r in b if not r["id"].startswith("b-only")]
    target, rest = linked[0], [r for r in b if r is not linked[0]]
    swapped = {**target, "id": "swapped", "given": target["surname"],
               "surname": target["given"]}  # fmt: skip
    original = next(r for r in a if r["id"] == "a" + target["id"][1:])
    pairs = match(encode(a), encode([swapped, *rest]))
    assert (original["id"], "swapped") in {(p.id_a, p.id_b) for p in pairs}


def test_encodings_of_another_secret_are_refused(simulated):
    a, _, _ = simulated
    rows, _, _ = linked_sets(seed=1, n_links=3, n_only=0)
    with pytest.raises(InvalidEncoding, match="sleutel"):
        match(a, encode(rows, secret=b"some-other-secret-16+"))


def test_encodings_of_another_version_are_refused(simulated):
    a, b, _ = simulated
    future = [{**r, "version": 2} for r in b[:3]]
    with pytest.raises(InvalidEncoding, match="versie 2"):
        match(a, future)


def test_mixed_keys_within_one_file_are_refused(simulated):
    a, _, _ = simulated
    rows, _, _ = linked_sets(seed=1, n_links=2, n_only=0)
    with pytest.raises(InvalidEncoding, match="regel 2"):
        match(a, encode(rows[:1]) + encode(rows[1:], secret=b"some-other-secret-16+"))


def test_empty_side_gives_no_pairs(simulated):
    a, _, _ = simulated
    assert match(a, []) == []


def test_few_fields_with_blocking_do_not_over_match():
    """Regression: EM on blocked candidates alone called most candidates matches
    when only names and date of birth were configured (precision fell to 0.04)."""
    a, b, truth = linked_sets(seed=5, n_links=300, n_only=200)
    config = {"id_column": "id", "fields": CONFIG["fields"][:3]}
    enc = Encoder(SECRET, config)
    ra, rb = [enc.encode(r).record for r in a], [enc.encode(r).record for r in b]
    for limit in (125_000, 0):
        result = match_detailed(ra, rb, all_pairs_limit=limit)
        precision, recall = quality(result.pairs, truth)
        assert precision >= 0.9
        assert recall >= 0.85
