"""The document model of a printable report: headings, paragraphs, facts and tables.

Deliberately poor: a report is read by a supervisor, a data subject or a partner at a
table, so it needs structure and legibility, not layout. Keeping it pure data lets the
services build reports without importing a PDF library and lets tests inspect them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Paragraph:
    """Running text; ``muted`` for notes and explanations."""

    text: str
    muted: bool = False


@dataclass(frozen=True)
class Facts:
    """Label/value pairs, e.g. the header data of a request or a case."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``widths`` are relative column widths."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[int] | None = None
    empty: str = "Geen gegevens."

    def __post_init__(self) -> None:
        columns = len(self.header)
        if self.widths is not None and len(self.widths) != columns:
            raise ValueError("widths must have one entry per column")
        for row in self.rows:
            if len(row) != columns:
                raise ValueError("every row must have one cell per column")


Block = Paragraph | Facts | Table


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: Sequence[Block] = ()


@dataclass(frozen=True)
class Report:
    """A whole report; ``classification`` is printed on every page."""

    title: str
    generated_at: datetime
    sections: Sequence[Section] = field(default_factory=tuple)
    subtitle: str = ""
    classification: str = "Vertrouwelijk"
