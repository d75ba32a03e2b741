"""The capture-pattern table: parsed, validated, immutable.

A table has one 0/1 column per list (register) and a count column. Each row is an
observed capture pattern and how many distinct people show it; absent patterns count
0 and the all-zero pattern (the dark figure) never appears. Validation names the line
and column of the first problem, so a registrar can fix the file.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from schakel.errors import InvalidInput

#: Above this many lists the 2^t cells and the model space become unmanageable.
MAX_LISTS = 16


class InvalidCaptureTable(InvalidInput):
    """The capture-pattern table is malformed; the message names the row or column."""


@dataclass(frozen=True)
class CaptureTable:
    """Counts on all 2^t − 1 observable cells, in cell-code order.

    Cell ``c`` (1 ≤ c < 2^t) is the pattern whose bit ``k`` says whether a person is
    on list ``k``; ``counts[c - 1]`` is how many people show it.
    """

    lists: tuple[str, ...]
    counts: tuple[int, ...]
    _patterns: npt.NDArray[np.float64] = field(repr=False, compare=False)

    @property
    def t(self) -> int:
        """Number of lists."""
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of distinct people seen on at least one list."""
        return sum(self.counts)

    @property
    def patterns(self) -> npt.NDArray[np.float64]:
        """0/1 matrix (cells × lists) of the observable cells, in cell-code order."""
        return self._patterns

    def y(self) -> npt.NDArray[np.float64]:
        """The counts as a float vector (cells)."""
        return np.asarray(self.counts, dtype=np.float64)

    def with_counts(self, counts: Iterable[int]) -> CaptureTable:
        """Same lists, other counts (used by the bootstrap)."""
        values = tuple(int(c) for c in counts)
        if len(values) != len(self.counts):
            raise ValueError("wrong number of cells")
        return CaptureTable(self.lists, values, self._patterns)

    def rows(self) -> list[tuple[tuple[int, ...], int]]:
        """The non-zero patterns as (0/1 tuple per list, count)."""
        out = []
        for code, count in enumerate(self.counts, start=1):
            if count:
                out.append((tuple((code >> k) & 1 for k in range(self.t)), count))
        return out

    @classmethod
    def from_counts(cls, lists: Sequence[str], counts: Sequence[int]) -> CaptureTable:
        """Build from list names and counts on all cells in cell-code order."""
        names = _check_lists(lists)
        t = len(names)
        if len(counts) != 2**t - 1:
            raise InvalidCaptureTable(
                f"verwacht {2**t - 1} cellen voor {t} lijsten, kreeg {len(counts)}"
            )
        values = []
        for i, c in enumerate(counts, start=1):
            if int(c) != c or c < 0:
                raise InvalidCaptureTable(f"cel {i}: aantal {c!r} is geen telling ≥ 0")
            values.append(int(c))
        table = cls(names, tuple(values), _pattern_matrix(t))
        _check_nonempty(table)
        return table

    @classmethod
    def from_rows(
        cls,
        lists: Sequence[str],
        rows: Iterable[tuple[Sequence[int], int]],
    ) -> CaptureTable:
        """Build from (pattern, count) pairs; absent patterns count 0."""
        names = _check_lists(lists)
        t = len(names)
        counts = [0] * (2**t - 1)
        seen: dict[int, int] = {}
        for number, (pattern, count) in enumerate(rows, start=1):
            where = f"rij {number}"
            code = _pattern_code(pattern, names, where)
            counts[code - 1] = _check_count(count, where)
            if code in seen:
                raise InvalidCaptureTable(
                    f"{where}: patroon komt dubbel voor (ook rij {seen[code]})"
                )
            seen[code] = number
        table = cls(names, tuple(counts), _pattern_matrix(t))
        _check_nonempty(table)
        return table

    @classmethod
    def from_memberships(
        cls, lists: Sequence[str], memberships: Iterable[Iterable[str]]
    ) -> CaptureTable:
        """Build from one collection of list names per (de-duplicated) person.

        Names outside ``lists`` are ignored; a person on none of ``lists`` is not
        counted (they are part of what is being estimated, not data).

        >>> t = CaptureTable.from_memberships(["P", "Z"], [{"P"}, {"P", "Z"}, {"X"}])
        >>> t.rows()
        [((1, 0), 1), ((1, 1), 1)]
        """
        names = _check_lists(lists)
        position = {name: k for k, name in enumerate(names)}
        counts = [0] * (2 ** len(names) - 1)
        for person in memberships:
            code = 0
            for name in person:
                if name in position:
                    code |= 1 << position[name]
            if code:
                counts[code - 1] += 1
        table = cls(names, tuple(counts), _pattern_matrix(len(names)))
        _check_nonempty(table)
        return table

    def to_csv_text(self, count_column: str = "count") -> str:
        """The observed patterns as CSV in the input format (round-trips)."""
        lines = [",".join([*self.lists, count_column])]
        for pattern, count in self.rows():
            lines.append(",".join([*map(str, pattern), str(count)]))
        return "\n".join(lines) + "\n"

    @classmethod
    def from_csv_text(cls, text: str, count_column: str = "count") -> CaptureTable:
        """Parse CSV text with a header; rows are named by their line number."""
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        try:
            return cls._from_reader(reader, count_column)
        except csv.Error as exc:  # e.g. a lone CR, an endless quoted field
            raise InvalidCaptureTable(
                f"regel {reader.line_num}: geen geldige CSV ({exc})"
            ) from None

    @classmethod
    def _from_reader(cls, reader: Any, count_column: str) -> CaptureTable:
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InvalidCaptureTable("het bestand is leeg (geen kopregel)") from None
        if count_column not in header:
            raise InvalidCaptureTable(
                f"kolom {count_column!r} (aantallen) ontbreekt in de kopregel"
            )
        if header.count(count_column) > 1:
            raise InvalidCaptureTable(f"kolom {count_column!r} komt dubbel voor")
        count_at = header.index(count_column)
        lists = [h for i, h in enumerate(header) if i != count_at]
        names = _check_lists(lists)
        t = len(names)
        counts = [0] * (2**t - 1)
        seen: dict[int, int] = {}
        for record in reader:
            line = reader.line_num
            if not record or all(not v.strip() for v in record):
                continue
            where = f"regel {line}"
            if len(record) != len(header):
                raise InvalidCaptureTable(
                    f"{where}: {len(record)} velden, de kopregel heeft er {len(header)}"
                )
            bits = []
            for i, raw in enumerate(record):
                if i == count_at:
                    continue
                value = raw.strip()
                if value not in ("0", "1"):
                    raise InvalidCaptureTable(
                        f"{where}, kolom {header[i]!r}: waarde {raw!r} is geen 0 of 1"
                    )
                bits.append(int(value))
            code = _pattern_code(bits, names, where)
            raw_count = record[count_at].strip()
            try:
                number = float(raw_count)
            except ValueError:
                raise InvalidCaptureTable(
                    f"{where}, kolom {count_column!r}: {raw_count!r} is geen getal"
                ) from None
            counts[code - 1] = _check_count(number, f"{where}, kolom {count_column!r}")
            if code in seen:
                raise InvalidCaptureTable(
                    f"{where}: patroon komt dubbel voor (ook regel {seen[code]})"
                )
            seen[code] = line
        table = cls(names, tuple(counts), _pattern_matrix(t))
        _check_nonempty(table)
        return table


def _check_lists(lists: Sequence[str]) -> tuple[str, ...]:
    names = tuple(str(n).strip() for n in lists)
    if len(names) < 2:
        raise InvalidCaptureTable(
            f"minstens twee lijsten nodig, gevonden: {len(names)} ({', '.join(names)})"
        )
    if len(names) > MAX_LISTS:
        raise InvalidCaptureTable(
            f"te veel lijsten ({len(names)}); hoogstens {MAX_LISTS}"
        )
    for i, name in enumerate(names, start=1):
        if not name:
            raise InvalidCaptureTable(f"kolom {i}: lege lijstnaam in de kopregel")
        if ":" in name:
            raise InvalidCaptureTable(
                f"kolom {name!r}: een lijstnaam mag geen ':' bevatten"
            )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidCaptureTable(f"lijstnaam komt dubbel voor: {', '.join(dupes)}")
    return names


def _pattern_code(pattern: Sequence[int], names: tuple[str, ...], where: str) -> int:
    if len(pattern) != len(names):
        raise InvalidCaptureTable(
            f"{where}: {len(pattern)} lijstwaarden, verwacht {len(names)}"
        )
    code = 0
    for k, (bit, name) in enumerate(zip(pattern, names, strict=True)):
        if bit not in (0, 1):
            raise InvalidCaptureTable(
                f"{where}, kolom {name!r}: waarde {bit!r} is geen 0 of 1"
            )
        code |= int(bit) << k
    if code == 0:
        raise InvalidCaptureTable(
            f"{where}: het patroon met alleen nullen (niemand gezien) hoort niet in de "
            "tabel; dat is juist het onbekende aantal"
        )
    return code


def _check_count(count: float, where: str) -> int:
    if isinstance(count, bool) or not math.isfinite(count):
        raise InvalidCaptureTable(f"{where}: aantal {count!r} is geen telling")
    if count < 0:
        raise InvalidCaptureTable(f"{where}: aantal {count!r} is negatief")
    if count != int(count):
        raise InvalidCaptureTable(f"{where}: aantal {count!r} is geen geheel getal")
    return int(count)


def _check_nonempty(table: CaptureTable) -> None:
    if table.observed == 0:
        raise InvalidCaptureTable("de tabel bevat niemand (alle aantallen zijn 0)")
    on_list = table.patterns.T @ table.y()
    for name, total in zip(table.lists, on_list, strict=True):
        if total == 0:
            raise InvalidCaptureTable(f"kolom {name!r}: op deze lijst staat niemand")


def _pattern_matrix(t: int) -> npt.NDArray[np.float64]:
    codes = np.arange(1, 2**t)
    return ((codes[:, None] >> np.arange(t)[None, :]) & 1).astype(np.float64)
