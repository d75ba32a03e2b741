"""Published estimates reproduced (sources in tests/data/mse/README.md)."""

import pytest

from schakel.stats import Verdict, check_model_terms, compare_methods, estimate
from tests.stats.factory import load


@pytest.mark.parametrize(
    ("name", "method", "options", "published", "model"),
    [
        # UK 2013 official estimate (Home Office 2014, Bales-Hesketh-Silverman).
        (
            "UKdat_5",
            "aic-step",
            {},
            11313,
            ["LA:NG", "NG:GP", "PFNCA:GP", "LA:PFNCA", "GO:GP", "NG:GO"],
        ),
        # Chan, Silverman & Vincent (2021) section 4.
        ("NewOrl", "stepwise", {}, 1184, ["D:E"]),
        ("NewOrl", "main", {}, 997, []),
        ("NewOrl_5", "stepwise", {}, 1034, []),
        ("Western", "stepwise", {}, 2483, ["A:E"]),
        # Silverman, Chan & Vincent (2024), Tables 2 and 6.
        ("Kosovo", "bic", {"max_order": 2}, 14342, None),
        ("Kosovo", "bic", {"max_order": 3}, 10357, None),
        ("Korea", "bic", {}, 157, ["b:c", "c:d"]),
        ("UKdat_5", "bic", {}, 22991, None),
    ],
)
def test_published_estimate(name, method, options, published, model):
    result = estimate(load(name), method, **options)
    assert round(result.estimate) == published
    assert result.ci_low < result.estimate < result.ci_high
    if model is not None:
        assert [m for m in result.model if ":" in m] == model


def test_uk_2013_profile_interval_matches_rcapture():
    result = estimate(load("UKdat_5"), "aic-step")
    assert (round(result.ci_low), round(result.ci_high)) == (9889, 13063)
    assert result.interval == "profile-likelihood"


def test_new_orleans_main_effects_lognormal_interval_matches_published():
    # Published (644, 1,618); the exact log-normal interval gives 645-1,618.
    result = estimate(load("NewOrl"), "main", interval="log-normal")
    assert abs(result.ci_low - 644) < 1.5
    assert round(result.ci_high) == 1618


def test_korea_stepwise_point():
    result = estimate(load("Korea"), "stepwise")
    assert round(result.estimate, 1) == 268.8
    assert result.model[-1] == "b:c"


def test_uk_six_lists_exhaustive_bic_finds_published_downhill_model():
    # All 32,768 pair models; SCV24 Table 6 downhill search: 12,350.
    result = estimate(load("UKdat"), "bic")
    assert round(result.estimate) == 12350
    assert sorted(m for m in result.model if ":" in m) == sorted(
        ["LA:NG", "LA:PF", "NG:GP", "PF:GP", "PF:NCA", "GO:GP"]
    )


def test_netherlands_stepwise_adds_minus_infinity_pairs():
    result = estimate(load("Ned"), "stepwise")
    assert round(result.estimate, -2) == 111100
    assert set(result.infinite_terms) == {"K:R", "I:K"}
    # Parameters at minus infinity are still counted: 1 + 6 main + 8 pairs.
    assert result.n_parameters == 15


@pytest.mark.parametrize(
    ("terms", "verdict"),
    [
        ([], Verdict.OK),
        (["A:C"], Verdict.OK),
        (["B:C"], Verdict.OK),
        (["A:C", "B:C"], Verdict.OK),
        (["A:B"], Verdict.NO_MLE),
        (["A:B", "A:C"], Verdict.NO_MLE),
        (["A:B", "B:C"], Verdict.NO_MLE),
        (["A:B", "A:C", "B:C"], Verdict.NOT_IDENTIFIABLE),
    ],
)
def test_artificial_3_existence_and_identifiability(terms, verdict):
    # Chan, Silverman & Vincent (2021) Tables 2-3; SparseMSE man/Artificial_3.Rd.
    assert check_model_terms(load("Artificial_3"), terms) is verdict


def test_korea_full_two_way_model_has_no_mle():
    assert check_model_terms(load("Korea"), ["b:c", "b:d", "c:d"]) is Verdict.NO_MLE


def test_compare_methods_side_by_side():
    results = compare_methods(load("Korea"))
    assert list(results) == ["main", "stepwise", "aic-step", "bic"]
    assert round(results["bic"].estimate, 1) == 157.2  # type: ignore[union-attr]
    assert round(results["stepwise"].estimate, 1) == 268.8  # type: ignore[union-attr]


def test_compare_methods_keeps_failures_as_values():
    from schakel.stats import CaptureTable, NoFiniteEstimate

    table = CaptureTable.from_counts(["A", "B", "C"], [5, 4, 0, 3, 0, 0, 0])
    results = compare_methods(table, ["main", "stepwise"])
    assert all(isinstance(r, NoFiniteEstimate) for r in results.values())


@pytest.mark.parametrize(
    "options",
    [
        {"interval": "bootstrap-parametric"},
        {"interval": "wild-guess"},
        {"bootstrap": 5, "bootstrap_kind": "jackknife"},
        {"bootstrap": -1},
        {"confidence": 1.5},
        {"threshold": 2.0},
        {"max_order": 1},
    ],
)
def test_bad_options_are_invalid_input(options):
    from schakel.errors import InvalidInput

    with pytest.raises(InvalidInput):
        estimate(load("Korea"), "stepwise", **options)
