"""Simulated registrations from a known population: the interval covers the truth."""

import numpy as np

from schakel.stats import CaptureTable, estimate, estimate_stratified
from tests.stats.factory import simulate_registrations

POPULATION = 2000
BASE = (0.3, 0.3, 0.3)
A_THEN_B = 0.6  # on list A: much more likely on list B (referral)


def test_stepwise_interval_covers_the_truth_in_most_replicates():
    rng = np.random.default_rng(20240601)
    covered = 0
    found_dependence = 0
    replicates = 40
    for _ in range(replicates):
        table = simulate_registrations(rng, POPULATION, BASE, A_THEN_B)
        result = estimate(table, "stepwise")
        covered += result.ci_low <= POPULATION <= result.ci_high
        found_dependence += "A:B" in result.model
    # Nominal 95 %; 34 of 40 leaves room for Monte Carlo noise but not for a bias.
    assert covered >= 34
    assert found_dependence >= 38


def test_ignoring_the_dependence_underestimates():
    # Positive dependence between A and B inflates their overlap: the independence
    # model then sees too few people missing. This is what the model choice guards.
    rng = np.random.default_rng(11)
    tables = [
        simulate_registrations(rng, POPULATION, BASE, A_THEN_B) for _ in range(20)
    ]
    main = [estimate(table, "main").estimate for table in tables]
    assert np.mean(main) < 0.9 * POPULATION


def test_independent_lists_main_effects_interval_covers():
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(40):
        table = simulate_registrations(rng, POPULATION, BASE, BASE[1])
        result = estimate(table, "main")
        covered += result.ci_low <= POPULATION <= result.ci_high
    assert covered >= 34


def test_bootstrap_interval_covers_and_is_seeded():
    rng = np.random.default_rng(3)
    table = simulate_registrations(rng, POPULATION, BASE, A_THEN_B)
    first = estimate(table, "stepwise", bootstrap=60, seed=9)
    again = estimate(table, "stepwise", bootstrap=60, seed=9)
    assert first == again
    assert first.interval == "bootstrap-nonparametric"
    assert first.ci_low < first.estimate < first.ci_high
    assert first.ci_low <= POPULATION <= first.ci_high
    other = estimate(table, "stepwise", bootstrap=60, seed=10)
    assert (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)
    parametric = estimate(
        table, "stepwise", bootstrap=60, seed=9, bootstrap_kind="parametric"
    )
    assert parametric.interval == "bootstrap-parametric"
    assert parametric.ci_low < parametric.estimate < parametric.ci_high
    assert parametric.ci_low <= POPULATION <= parametric.ci_high


def test_stratified_estimate_sums_strata():
    rng = np.random.default_rng(8)
    strata = {
        "2022": simulate_registrations(rng, 1500, BASE, A_THEN_B),
        "2023": simulate_registrations(rng, 1000, BASE, A_THEN_B),
    }
    result = estimate_stratified(strata, "stepwise")
    assert result.estimate == sum(r.estimate for r in result.strata.values())
    assert result.observed == sum(t.observed for t in strata.values())
    assert result.ci_low <= result.estimate <= result.ci_high
    assert result.ci_low <= 2500 <= result.ci_high
    assert result.caveats


def test_stratified_refuses_different_lists():
    import pytest

    from schakel.errors import InvalidInput

    a = CaptureTable.from_counts(["A", "B"], [5, 6, 2])
    b = CaptureTable.from_counts(["A", "C"], [5, 6, 2])
    with pytest.raises(InvalidInput, match="dezelfde lijsten"):
        estimate_stratified({"x": a, "y": b})


def test_bootstrap_reports_progress():
    rng = np.random.default_rng(4)
    table = simulate_registrations(rng, POPULATION, BASE, A_THEN_B)
    calls: list[tuple[int, int]] = []
    estimate(
        table, "main", bootstrap=7, seed=1, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(i, 7) for i in range(1, 8)]
