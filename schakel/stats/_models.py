"""Hierarchical log-linear models on the observable cells: terms, designs, spaces.

A term is a sorted tuple of list indices: ``(0,)`` is the main effect of list 0,
``(0, 2)`` the interaction of lists 0 and 2. The design column of a term is 1 on the
cells where a person is on all of its lists. Every model holds the intercept and all
main effects; a model is hierarchical when each interaction's lower-order terms are
in it too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import numpy as np
import numpy.typing as npt

Term = tuple[int, ...]

#: Refuse exhaustive searches above this many models (memory and time).
MAX_MODELS = 1 << 18


def term_name(term: Term, lists: Sequence[str]) -> str:
    """``(0, 2)`` with lists A, B, C → ``"A:C"``."""
    return ":".join(lists[k] for k in term)


def interactions(t: int, max_order: int) -> list[Term]:
    """All interaction terms of order 2..max_order, by order then lexicographic."""
    out: list[Term] = []
    for order in range(2, min(max_order, t) + 1):
        out.extend(combinations(range(t), order))
    return out


@dataclass(frozen=True)
class Design:
    """The full design on the observable cells for a set of candidate terms.

    Column 0 is the intercept, columns 1..t the main effects, then ``terms``.
    ``margins[j]`` is the observed number of people on all lists of column j; a term
    with margin 0 has its maximum likelihood estimate at minus infinity.
    """

    t: int
    terms: tuple[Term, ...]
    matrix: npt.NDArray[np.float64]
    margins: npt.NDArray[np.float64]

    @classmethod
    def build(
        cls,
        patterns: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        terms: Sequence[Term],
    ) -> Design:
        """Design for ``patterns`` (cells × lists) and counts ``y``."""
        t = patterns.shape[1]
        cols = [np.ones(patterns.shape[0])]
        cols.extend(patterns[:, k] for k in range(t))
        for term in terms:
            cols.append(np.prod(patterns[:, list(term)], axis=1))
        matrix = np.column_stack(cols)
        return cls(t, tuple(terms), matrix, matrix.T @ y)

    @cached_property
    def products(self) -> npt.NDArray[np.float64]:
        """Cell-wise products of all column pairs, reused by every fit."""
        n_cells, n_cols = self.matrix.shape
        return (self.matrix[:, :, None] * self.matrix[:, None, :]).reshape(
            n_cells, n_cols * n_cols
        )

    @property
    def n_columns(self) -> int:
        """Intercept + main effects + candidate terms."""
        return int(self.matrix.shape[1])

    def column_of(self, term: Term) -> int:
        """Column index of an interaction term."""
        return 1 + self.t + self.terms.index(term)

    def masks(
        self,
        chosen: npt.NDArray[np.bool_],
        margins: npt.NDArray[np.float64] | None = None,
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        """Fit masks for models given as a (models × candidate terms) boolean array.

        Returns the columns to fit (models × columns), the cells kept (models × cells)
        and the number of parameters counted (models,). A chosen term whose margin is
        zero is fixed at minus infinity: its cells are dropped and its column is not
        fitted, but it still counts as a parameter.
        """
        margins = self.margins if margins is None else margins
        chosen = np.atleast_2d(chosen)
        n_models = chosen.shape[0]
        infinite = chosen & (margins[1 + self.t :] == 0)[None, :]
        term_cols = self.matrix[:, 1 + self.t :]
        # A cell is dropped when it lies inside any minus-infinity term.
        dropped = (infinite.astype(np.float64) @ term_cols.T) > 0
        fit_cols = np.ones((n_models, self.n_columns), dtype=bool)
        fit_cols[:, 1 + self.t :] = chosen & ~infinite
        n_params = 1 + self.t + chosen.sum(axis=1)
        return fit_cols, ~dropped, n_params.astype(np.int64)


def hierarchical_models(t: int, max_order: int) -> Iterator[frozenset[Term]]:
    """Every hierarchical set of interaction terms of order 2..max_order.

    Built level by level: a term of order k+1 may join only when all its order-k
    subterms are present. Main effects are always in and not listed.
    """
    max_order = min(max_order, t)

    def extend(current: frozenset[Term], order: int) -> Iterator[frozenset[Term]]:
        if order > max_order:
            yield current
            return
        eligible = [
            term
            for term in combinations(range(t), order)
            if order == 2
            or all(sub in current for sub in combinations(term, order - 1))
        ]
        for size in range(len(eligible) + 1):
            for subset in combinations(eligible, size):
                yield from extend(current | frozenset(subset), order + 1)

    yield from extend(frozenset(), 2)


def pair_models_mask(n_pairs: int) -> npt.NDArray[np.bool_]:
    """All 2^n_pairs subsets of the pairs as a boolean array, fast for order 2."""
    codes = np.arange(1 << n_pairs, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n_pairs)[None, :]) & 1).astype(bool)
