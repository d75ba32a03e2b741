"""Speed of multiple systems estimation (issue 8).

Run: PYTHONPATH=. python benchmarks/estimate.py

1. Exhaustive BIC search on the 6-list UK 2013 table: every hierarchical model up to
   order 2 (2^15 = 32,768), existence/identifiability checks, profile interval.
   Target under 10 s.
2. A 1,000-replicate bootstrap on New Orleans (nonparametric, BCa with jackknife
   acceleration, as SparseMSE) that repeats the stepwise selection in every
   replicate. Target under 60 s.
3. For comparison: one statsmodels GLM per model on a sample of the BIC models,
   extrapolated to all 32,768.

Wall time depends on what else runs on the machine; CPU time is shown beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from schakel.stats import CaptureTable, EstimateResult, estimate

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"


def load(name: str) -> CaptureTable:
    return CaptureTable.from_csv_text((DATA / f"{name}.csv").read_text())


def timed(
    label: str, func: Callable[[], EstimateResult]
) -> tuple[str, float, float, EstimateResult]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return label, time.perf_counter() - wall, time.process_time() - cpu, result


def statsmodels_extrapolation(sample: int = 200) -> float:
    """Seconds for one statsmodels fit per model, extrapolated to 32,768 models."""
    import statsmodels.api as sm

    from schakel.stats._models import Design, interactions, pair_models_mask

    table = load("UKdat")
    y = table.y()
    design = Design.build(table.patterns, y, interactions(table.t, 2))
    models = pair_models_mask(len(design.terms))
    pick = np.random.default_rng(1).choice(len(models), sample, replace=False)
    fit_cols, keep, _ = design.masks(models[pick])
    start = time.perf_counter()
    for row in range(sample):
        x = design.matrix[keep[row]][:, fit_cols[row]]
        sm.GLM(y[keep[row]], x, family=sm.families.Poisson()).fit()
    return (time.perf_counter() - start) / sample * len(models)


def main() -> None:
    rows = []
    label, wall, cpu, result = timed(
        "BIC search UKdat (6 lists, 32,768 models)",
        lambda: estimate(load("UKdat"), "bic"),
    )
    rows.append((label, wall, cpu, 10.0, f"{result.estimate:,.0f}"))
    label, wall, cpu, result = timed(
        "Bootstrap NewOrl stepwise, 1,000 reps + BCa",
        lambda: estimate(load("NewOrl"), "stepwise", bootstrap=1000, seed=1),
    )
    rows.append(
        (
            label,
            wall,
            cpu,
            60.0,
            f"{result.estimate:,.0f} [{result.ci_low:,.0f}, {result.ci_high:,.0f}]",
        )
    )
    reference = statsmodels_extrapolation()
    print(f"{'benchmark':45} {'wall s':>8} {'cpu s':>8} {'target':>8}  verdict  result")
    for label, wall, cpu, target, shown in rows:
        verdict = "ok" if wall < target else "SLOW"
        print(f"{label:45} {wall:8.2f} {cpu:8.2f} {target:8.0f}  {verdict:7}  {shown}")
    print(f"{'statsmodels, one GLM per model (extrapolated)':45} {reference:8.1f}")


if __name__ == "__main__":
    main()
