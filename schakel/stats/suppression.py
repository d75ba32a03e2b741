"""Small-cell suppression for published counts.

Counts under the threshold (10) are shown as ``"<10"`` (primary suppression). So
that the shown totals do not give them away, more cells are hidden (secondary
suppression, shown as ``"x"``): no row or column of the table-with-totals may hold
exactly one hidden entry, and a linear-programming audit confirms that the shown
numbers pin down no hidden small count exactly; where one is pinned, another cell is
hidden and the audit runs again. Totals under the threshold are themselves hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from schakel.errors import InvalidInput

#: Shown instead of a count hidden because it is small.
SMALL = "<{threshold}"
#: Shown instead of a count hidden only to protect a small one (it is ≥ threshold).
HIDDEN = "x"

Position = tuple[int, int]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SuppressedTable:
    """A table with row and column totals, ready to publish.

    ``cells[i][j]``, ``row_totals[i]``, ``column_totals[j]`` and ``total`` are the
    strings to show. ``primary`` and ``secondary`` list hidden positions in the
    extended table, where row ``len(cells)`` holds the column totals and column
    ``len(cells[0])`` the row totals.
    """

    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...]
    column_totals: tuple[str, ...]
    total: str
    primary: frozenset[Position]
    secondary: frozenset[Position]
    threshold: int


@dataclass(frozen=True)
class SuppressedSeries:
    """A one-way table (e.g. counts per year) with its total, ready to publish."""

    cells: tuple[str, ...]
    total: str
    primary: frozenset[int]
    secondary: frozenset[int]
    total_hidden: bool
    threshold: int


def suppress(counts: Sequence[Sequence[int]], threshold: int = 10) -> SuppressedTable:
    """Suppress a two-way table of counts and its margins.

    >>> t = suppress([[12, 3], [20, 30]])
    >>> t.cells, t.row_totals, t.column_totals, t.total
    ((('x', '<10'), ('x', 'x')), ('15', '50'), ('32', '33'), '65')
    """
    inner = _check_counts(counts)
    n_rows, n_cols = inner.shape
    ext = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    ext[:n_rows, :n_cols] = inner
    ext[:n_rows, n_cols] = inner.sum(axis=1)
    ext[n_rows, :n_cols] = inner.sum(axis=0)
    ext[n_rows, n_cols] = inner.sum()
    primary = {
        (int(i), int(j)) for i, j in zip(*np.nonzero(ext < threshold), strict=True)
    }
    hidden = set(primary)
    lines = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    lines += [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    inner_pos = {(i, j) for i in range(n_rows) for j in range(n_cols)}
    while True:
        _close_lines(ext, lines, hidden, inner_pos)
        pinned = _audit(ext, n_rows, n_cols, hidden, primary, threshold)
        if pinned is None:
            break
        i, j = pinned
        candidates = [p for p in lines[i] + lines[n_rows + 1 + j] if p not in hidden]
        if not candidates:
            # Its own row and column are hidden already: the leak runs through
            # other lines, so hide the smallest entry still shown anywhere.
            candidates = [p for line in lines for p in line if p not in hidden]
        if not candidates:  # pragma: no cover - with everything hidden, nothing leaks
            break
        hidden.add(min(candidates, key=lambda p: (p not in inner_pos, ext[p])))
    small = SMALL.format(threshold=threshold)

    def show(p: Position) -> str:
        if p in primary:
            return small
        if p in hidden:
            return HIDDEN
        return str(int(ext[p]))

    return SuppressedTable(
        cells=tuple(tuple(show((i, j)) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(show((i, n_cols)) for i in range(n_rows)),
        column_totals=tuple(show((n_rows, j)) for j in range(n_cols)),
        total=show((n_rows, n_cols)),
        primary=frozenset(primary),
        secondary=frozenset(hidden - primary),
        threshold=threshold,
    )


def suppress_series(counts: Sequence[int], threshold: int = 10) -> SuppressedSeries:
    """Suppress a one-way table and its total.

    >>> s = suppress_series([25, 4, 40, 11])
    >>> s.cells, s.total
    (('25', '<10', '40', 'x'), '80')
    """
    values = _check_counts([list(counts)])[0]
    total = int(values.sum())
    primary = {k for k, v in enumerate(values) if v < threshold}
    hidden = set(primary)
    total_small = total < threshold
    total_hidden = total_small
    while not total_hidden and _series_pinned(
        values, total, hidden, primary, threshold
    ):
        rest = [k for k in range(len(values)) if k not in hidden]
        if rest:
            hidden.add(min(rest, key=lambda k: values[k]))
        else:
            # Even with every value hidden the total pins one down: hide the total.
            total_hidden = True
    small = SMALL.format(threshold=threshold)
    cells = tuple(
        small if k in primary else HIDDEN if k in hidden else str(int(v))
        for k, v in enumerate(values)
    )
    return SuppressedSeries(
        cells=cells,
        total=small if total_small else HIDDEN if total_hidden else str(total),
        primary=frozenset(primary),
        secondary=frozenset(hidden - primary),
        total_hidden=total_hidden,
        threshold=threshold,
    )


def _series_pinned(
    values: IntArray,
    total: int,
    hidden: set[int],
    primary: set[int],
    threshold: int,
) -> bool:
    """Whether the shown total and values pin down a hidden small count exactly."""
    shown = sum(int(values[k]) for k in range(len(values)) if k not in hidden)
    hidden_sum = total - shown
    n_secondary = len(hidden - primary)
    if not primary:
        return False
    # Every small hidden count has the same range, so checking one checks all.
    others = (threshold - 1) * (len(primary) - 1)
    low = 0 if n_secondary else max(0, hidden_sum - others)
    high = min(threshold - 1, hidden_sum - threshold * n_secondary)
    return high - low < 1


def _check_counts(counts: Sequence[Sequence[int]]) -> IntArray:
    if not counts or not counts[0]:
        raise InvalidInput("lege tabel")
    width = len(counts[0])
    for i, row in enumerate(counts, start=1):
        if len(row) != width:
            raise InvalidInput(f"rij {i}: {len(row)} cellen, verwacht {width}")
        for j, value in enumerate(row, start=1):
            if isinstance(value, bool) or int(value) != value or value < 0:
                raise InvalidInput(f"rij {i}, kolom {j}: {value!r} is geen telling")
    return np.asarray(counts, dtype=np.int64)


def _close_lines(
    ext: IntArray,
    lines: list[list[Position]],
    hidden: set[Position],
    inner_pos: set[Position],
) -> None:
    """Hide more until no line has exactly one hidden entry (its sum would show it)."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            shown = [p for p in line if p not in hidden]
            if len(line) - len(shown) == 1 and shown:
                hidden.add(min(shown, key=lambda p: (p not in inner_pos, ext[p])))
                changed = True


def _audit(
    ext: IntArray,
    n_rows: int,
    n_cols: int,
    hidden: set[Position],
    primary: set[Position],
    threshold: int,
) -> Position | None:
    """A hidden small count that the shown numbers determine exactly, if any."""
    for target in sorted(primary):
        low, high = hidden_range(
            ext, n_rows, n_cols, hidden, primary, threshold, target
        )
        if math.floor(high + 1e-9) - math.ceil(low - 1e-9) < 1:
            return target
    return None


def hidden_range(
    ext: IntArray,
    n_rows: int,
    n_cols: int,
    hidden: set[Position],
    primary: set[Position],
    threshold: int,
    target: Position,
) -> tuple[float, float]:
    """Smallest and largest value of ``target`` consistent with what is shown.

    What an outsider knows: every shown number, that each row and column of the
    extended table adds up, that small hidden counts lie in [0, threshold − 1] and
    that the other hidden counts are at least the threshold.
    """
    order = sorted(hidden)
    index = {p: k for k, p in enumerate(order)}
    rows_a: list[list[float]] = []
    rows_b: list[float] = []
    for i in range(n_rows + 1):
        _sum_constraint(
            ext, [(i, j) for j in range(n_cols)], (i, n_cols), index, rows_a, rows_b
        )
    for j in range(n_cols + 1):
        _sum_constraint(
            ext, [(i, j) for i in range(n_rows)], (n_rows, j), index, rows_a, rows_b
        )
    bounds = [
        (0.0, float(threshold - 1)) if p in primary else (float(threshold), None)
        for p in order
    ]
    c = np.zeros(len(order))
    c[index[target]] = 1.0
    a_eq = np.array(rows_a) if rows_a else None
    b_eq = np.array(rows_b) if rows_b else None
    low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if low.status != 0 or high.status == 2:
        return float(ext[target]), float(ext[target])
    upper = math.inf if high.status == 3 else -float(high.fun)
    return float(low.fun), upper


def _sum_constraint(
    ext: IntArray,
    parts: list[Position],
    total: Position,
    index: dict[Position, int],
    rows_a: list[list[float]],
    rows_b: list[float],
) -> None:
    """sum(parts) − total = 0 with shown values moved to the right-hand side."""
    row = [0.0] * len(index)
    rhs = 0.0
    for p in parts:
        if p in index:
            row[index[p]] += 1.0
        else:
            rhs -= float(ext[p])
    if total in index:
        row[index[total]] -= 1.0
    else:
        rhs += float(ext[total])
    if any(row):
        rows_a.append(row)
        rows_b.append(rhs)
