"""The batched IRLS fit against statsmodels' GLM (the readable reference)."""

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from schakel.stats._fit import fit_batch
from schakel.stats._models import Design, interactions, pair_models_mask
from tests.stats.factory import load


def reference(x: np.ndarray, y: np.ndarray) -> Any:
    return sm.GLM(y, x, family=sm.families.Poisson()).fit()


@pytest.mark.parametrize("name", ["UKdat_5", "Kosovo", "Western"])
def test_batch_matches_statsmodels_on_every_pair_model(name):
    table = load(name)
    y = table.y()
    design = Design.build(table.patterns, y, interactions(table.t, 2))
    models = pair_models_mask(len(design.terms))
    rng = np.random.default_rng(7)
    pick = rng.choice(len(models), size=min(25, len(models)), replace=False)
    fit_cols, keep, _ = design.masks(models[pick])
    fits = fit_batch(design.matrix, y, fit_cols, keep)
    for row in range(len(pick)):
        x = design.matrix[keep[row]][:, fit_cols[row]]
        ref = reference(x, y[keep[row]])
        assert fits.loglik[row] == pytest.approx(ref.llf, rel=1e-9)
        assert fits.beta[row, fit_cols[row]] == pytest.approx(ref.params, abs=1e-6)
        se = np.sqrt(np.diag(fits.cov[row])[fit_cols[row]])
        # statsmodels takes the weights one iteration early: agree to 1e-3.
        assert se == pytest.approx(ref.bse, rel=1e-3)


def test_minus_infinity_terms_drop_their_cells_but_count():
    table = load("Western")  # A:B and B:E have no overlap
    y = table.y()
    design = Design.build(table.patterns, y, interactions(table.t, 2))
    chosen = np.array([[t in [(0, 1), (0, 4)] for t in design.terms]])
    fit_cols, keep, n_params = design.masks(chosen)
    assert int(n_params[0]) == 1 + 5 + 2
    ab = design.column_of((0, 1))
    assert not fit_cols[0, ab]
    assert fit_cols[0, design.column_of((0, 4))]
    # Exactly the cells with both A and B are dropped, and they are all empty.
    both = (table.patterns[:, 0] == 1) & (table.patterns[:, 1] == 1)
    assert (keep[0] == ~both).all()
    assert y[both].sum() == 0
    fit = fit_batch(design.matrix, y, fit_cols, keep)
    assert (fit.mu[0][both] == 0).all()
    ref = reference(design.matrix[keep[0]][:, fit_cols[0]], y[keep[0]])
    assert fit.loglik[0] == pytest.approx(ref.llf, rel=1e-9)
