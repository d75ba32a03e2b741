"""Records to screen, read from JSON Lines or CSV byte lines, one at a time.

Pure generators over an iterable of byte lines (a file opened in binary mode,
an upload, a test list): nothing is read ahead, so memory stays flat whatever
the input size. A line that cannot be used becomes a :class:`BadLine` with its
line number and a Dutch reason; the caller decides to skip it or stop.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Record:
    """One record: its id (as given) and its text; ``line`` is 1-based."""

    line: int
    id: str | int
    text: str


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that was not screened, and why (Dutch, names the field)."""

    line: int
    reason: str

    def message(self) -> str:
        """The message for people: ``regel 4: ...``."""
        return f"regel {self.line}: {self.reason}"


class MissingColumn(ValueError):
    """The CSV header lacks the id or text column: no line can be used."""


def _id_value(value: object) -> str | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int):
        return value
    return None


def read_jsonl(
    lines: Iterable[bytes], id_field: str = "id", text_field: str = "text"
) -> Iterator[Record | BadLine]:
    """Records from JSON Lines; blank lines are ignored, not reported."""
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield BadLine(number, f"geen geldige UTF-8 (byte {exc.start + 1})")
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadLine(number, f"geen geldige JSON ({exc.msg}, kolom {exc.colno})")
            continue
        except ValueError as exc:  # e.g. numbers too long to convert
            yield BadLine(number, f"geen geldige JSON ({exc})")
            continue
        except RecursionError:  # e.g. [[[[... deeper than the interpreter's stack
            yield BadLine(number, "geen geldige JSON (te diep genest)")
            continue
        if not isinstance(obj, dict):
            yield BadLine(number, "geen JSON-object")
            continue
        yield _record(number, obj, id_field, text_field)


def _storable(value: str, *, nul: bool) -> bool:
    """Whether ``value`` can be stored and written as text. A JSON escape such as
    ``\\ud800`` gives a lone surrogate, which UTF-8 cannot encode; PostgreSQL
    refuses NUL in a text column, which the id goes into (the text is kept only
    in JSON excerpts, where NUL is escaped)."""
    if not nul and "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _record(
    number: int, obj: dict[str, object], id_field: str, text_field: str
) -> Record | BadLine:
    if id_field not in obj:
        return BadLine(number, f"veld '{id_field}' ontbreekt")
    rid = _id_value(obj[id_field])
    if rid is None:
        return BadLine(number, f"veld '{id_field}' is leeg of geen tekst/getal")
    if isinstance(rid, str) and not _storable(rid, nul=False):
        return BadLine(number, f"veld '{id_field}' bevat een ongeldig teken")
    if text_field not in obj:
        return BadLine(number, f"veld '{text_field}' ontbreekt")
    text = obj[text_field]
    if not isinstance(text, str):
        return BadLine(number, f"veld '{text_field}' is geen tekst")
    if not _storable(text, nul=True):
        return BadLine(number, f"veld '{text_field}' bevat een ongeldig teken")
    return Record(number, rid, text)


def _decoded(
    lines: Iterable[bytes], bad: list[BadLine], counter: list[int]
) -> Iterator[str]:
    for number, raw in enumerate(lines, start=1):
        counter[0] = number
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            bad.append(BadLine(number, f"geen geldige UTF-8 (byte {exc.start + 1})"))


def read_csv(
    lines: Iterable[bytes], id_field: str = "id", text_field: str = "text"
) -> Iterator[Record | BadLine]:
    """Records from CSV with a header row; raises MissingColumn for the header."""
    bad: list[BadLine] = []
    counter = [0]
    reader = csv.reader(_decoded(lines, bad, counter))
    header: list[str] | None = None
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from bad
            bad.clear()
            yield BadLine(counter[0], f"ongeldige CSV ({exc})")
            continue
        yield from bad
        bad.clear()
        number = counter[0]
        if header is None:
            header = [h.strip() for h in row]
            for field in (id_field, text_field):
                if field not in header:
                    raise MissingColumn(
                        f"regel {number}: kolom '{field}' ontbreekt in de kop "
                        f"({', '.join(header)})"
                    )
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            yield BadLine(number, f"{len(row)} kolommen, de kop heeft er {len(header)}")
            continue
        yield _record(number, dict(zip(header, row, strict=True)), id_field, text_field)
    yield from bad
