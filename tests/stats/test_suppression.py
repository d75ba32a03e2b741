"""Small-cell suppression: properties that must hold for every table."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from schakel.stats import SuppressedTable, suppress, suppress_series

counts = st.integers(min_value=0, max_value=40) | st.integers(min_value=0, max_value=9)
tables = st.integers(1, 4).flatmap(
    lambda rows: st.integers(1, 4).flatmap(
        lambda cols: st.lists(
            st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows
        )
    )
)


def extended(cells: list[list[int]]) -> np.ndarray:
    inner = np.array(cells)
    ext = np.zeros((inner.shape[0] + 1, inner.shape[1] + 1), dtype=int)
    ext[:-1, :-1] = inner
    ext[:-1, -1] = inner.sum(axis=1)
    ext[-1, :-1] = inner.sum(axis=0)
    ext[-1, -1] = inner.sum()
    return ext


def shown(result: SuppressedTable) -> list[list[str]]:
    rows = [list(r) + [t] for r, t in zip(result.cells, result.row_totals, strict=True)]
    rows.append([*result.column_totals, result.total])
    return rows


def attacker_range(
    ext: np.ndarray, labels: list[list[str]], target: tuple[int, int]
) -> tuple[float, float]:
    """Independent audit: the range of ``target`` given everything published."""
    hidden = [
        (i, j)
        for i in range(ext.shape[0])
        for j in range(ext.shape[1])
        if not labels[i][j].isdigit()
    ]
    index = {p: k for k, p in enumerate(hidden)}
    a_eq, b_eq = [], []
    n_rows, n_cols = ext.shape[0] - 1, ext.shape[1] - 1
    lines = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
    lines += [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    for parts, total in lines:
        row = np.zeros(len(hidden))
        rhs = 0.0
        for p in [*parts, total]:
            sign = -1.0 if p == total else 1.0
            if p in index:
                row[index[p]] += sign
            else:
                rhs -= sign * ext[p]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    bounds = [(0, 9) if labels[i][j] == "<10" else (10, None) for i, j in hidden]
    c = np.zeros(len(hidden))
    c[index[target]] = 1
    kwargs = {"A_eq": np.array(a_eq), "b_eq": b_eq} if a_eq else {}
    low = linprog(c, bounds=bounds, method="highs", **kwargs)
    high = linprog(-c, bounds=bounds, method="highs", **kwargs)
    return low.fun, -high.fun


@settings(max_examples=40, deadline=None)
@given(tables)
def test_suppression_properties(cells):
    ext = extended(cells)
    result = suppress(cells)
    labels = shown(result)
    for i in range(ext.shape[0]):
        for j in range(ext.shape[1]):
            label = labels[i][j]
            if ext[i, j] < 10:
                assert label == "<10"  # every small count is hidden
            elif label.isdigit():
                assert int(label) == ext[i, j]  # shown numbers are true
            else:
                assert label == "x"
    # No row or column of the table-with-totals has exactly one hidden entry ...
    for line in [*labels, *zip(*labels, strict=True)]:
        assert sum(not v.isdigit() for v in line) != 1
    # ... and nothing published pins down a small count.
    for i in range(ext.shape[0]):
        for j in range(ext.shape[1]):
            if labels[i][j] == "<10":
                low, high = attacker_range(ext, labels, (i, j))
                assert np.floor(high + 1e-9) - np.ceil(low - 1e-9) >= 1


@settings(max_examples=100, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8))
def test_series_suppression_properties(values):
    result = suppress_series(values)
    total = sum(values)
    for value, label in zip(values, result.cells, strict=True):
        assert label == ("<10" if value < 10 else label)
        assert label in ("<10", "x") or int(label) == value
    if total < 10:
        assert result.total == "<10"
    if result.total.isdigit():
        assert int(result.total) == total
        pairs = zip(values, result.cells, strict=True)
        hidden = [v for v, lab in pairs if lab != str(v)]
        assert len(hidden) != 1
        # Range of each small hidden value given the total and the other labels.
        hidden_sum = sum(hidden)
        n_big = sum(lab == "x" for lab in result.cells)
        n_small = sum(lab == "<10" for lab in result.cells)
        if n_small:
            low = 0 if n_big else max(0, hidden_sum - 9 * (n_small - 1))
            high = min(9, hidden_sum - 10 * n_big)
            assert high - low >= 1


def test_rejects_negative_counts():
    import pytest

    from schakel.errors import InvalidInput

    with pytest.raises(InvalidInput, match="rij 1, kolom 2"):
        suppress([[3, -1]])
