"""Printable reports: a small document model and its PDF rendering.

Services describe *what* a reader may see as a :class:`Report` (pure data, built from
the same view data as the page, so the PDF can never show more than the screen);
:func:`render_pdf` is the only place that knows about the PDF library.
"""

from schakel.reports.document import Block, Facts, Paragraph, Report, Section, Table
from schakel.reports.pdf import render_pdf

__all__ = [
    "Block",
    "Facts",
    "Paragraph",
    "Report",
    "Section",
    "Table",
    "render_pdf",
]
