"""Builders for stats tests: the copied MSE tables and simulated registrations."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from schakel.stats import CaptureTable

DATA = Path(__file__).resolve().parents[1] / "data" / "mse"


def load(name: str) -> CaptureTable:
    """A table from tests/data/mse (see its README for the source)."""
    return CaptureTable.from_csv_text((DATA / f"{name}.csv").read_text())


def simulate_registrations(
    rng: np.random.Generator,
    population: int,
    base: tuple[float, float, float],
    a_then_b: float,
) -> CaptureTable:
    """Three lists; B depends on A (prob ``a_then_b`` if on A), C independent.

    The log-linear model with main effects plus A:B is then exactly right.
    """
    on_a = rng.random(population) < base[0]
    on_b = rng.random(population) < np.where(on_a, a_then_b, base[1])
    on_c = rng.random(population) < base[2]
    codes = on_a * 1 + on_b * 2 + on_c * 4
    counts = np.bincount(codes, minlength=8)[1:]
    return CaptureTable.from_counts(["A", "B", "C"], [int(c) for c in counts])
