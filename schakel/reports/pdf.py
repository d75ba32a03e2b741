"""Render a :class:`~schakel.reports.document.Report` to PDF bytes with fpdf2.

fpdf2 is pure Python, so a PDF needs no system libraries (WeasyPrint would need Pango
on every user's machine); the DejaVu Sans font shipped in ``fonts/`` covers the names
of every alphabet the platform meets (ł, ș, ğ, ...), which the PDF core fonts do not.
"""

from importlib.resources import as_file, files

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from schakel.reports.document import Block, Facts, Paragraph, Report, Section, Table

_FONT = "DejaVu"
_INK = (20, 20, 20)
_MUTED = (90, 90, 90)
_RULE = (1, 66, 106)  # the shell's header blue
_HEADER_FILL = (226, 234, 242)


class _ReportPdf(FPDF):
    """Adds the running header (title, classification) and page numbers."""

    def __init__(self, report: Report) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._report = report

    def header(self) -> None:
        self.set_font(_FONT, "", 8)
        self.set_text_color(*_MUTED)
        self.cell(0, 5, f"Schakel · {self._report.title}", new_x=XPos.LMARGIN)
        self.cell(0, 5, self._report.classification.upper(), align="R")
        self.ln(6)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, "", 8)
        self.set_text_color(*_MUTED)
        stamp = self._report.generated_at.strftime("%d-%m-%Y %H:%M")
        self.cell(0, 5, f"Opgesteld {stamp}", new_x=XPos.LMARGIN)
        self.cell(0, 5, f"Pagina {self.page_no()} van {{nb}}", align="R")


def render_pdf(report: Report) -> bytes:
    """The report as a PDF document (A4, text selectable, fonts subset-embedded)."""
    pdf = _ReportPdf(report)
    _register_fonts(pdf)
    pdf.set_title(report.title)
    pdf.set_creator("Schakel")
    pdf.set_creation_date(report.generated_at)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _title(pdf, report)
    for section in report.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _register_fonts(pdf: FPDF) -> None:
    fonts = files("schakel.reports") / "fonts"
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        with as_file(fonts / name) as path:
            pdf.add_font(_FONT, style, str(path))


def _title(pdf: FPDF, report: Report) -> None:
    pdf.set_text_color(*_INK)
    pdf.set_font(_FONT, "B", 16)
    pdf.multi_cell(0, 8, report.title, align="L", new_x=XPos.LMARGIN)
    if report.subtitle:
        pdf.set_font(_FONT, "", 10)
        pdf.set_text_color(*_MUTED)
        pdf.multi_cell(0, 5, report.subtitle, align="L", new_x=XPos.LMARGIN)
    pdf.ln(3)


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(2)
    pdf.set_font(_FONT, "B", 12)
    pdf.set_text_color(*_RULE)
    pdf.multi_cell(0, 7, section.heading, align="L", new_x=XPos.LMARGIN)
    pdf.set_text_color(*_INK)
    for block in section.blocks:
        _block(pdf, block)
        pdf.ln(2)


def _block(pdf: FPDF, block: Block) -> None:
    if isinstance(block, Paragraph):
        pdf.set_font(_FONT, "", 9 if block.muted else 10)
        pdf.set_text_color(*(_MUTED if block.muted else _INK))
        pdf.multi_cell(0, 5, block.text, align="L", new_x=XPos.LMARGIN)
        pdf.set_text_color(*_INK)
    elif isinstance(block, Facts):
        _facts(pdf, block)
    else:
        _table(pdf, block)


def _facts(pdf: FPDF, facts: Facts) -> None:
    label_width = 55.0
    for label, value in facts.rows:
        pdf.set_font(_FONT, "B", 9)
        pdf.multi_cell(
            label_width, 5, label, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP
        )
        pdf.set_font(_FONT, "", 10)
        pdf.multi_cell(0, 5, value or "—", align="L", new_x=XPos.LMARGIN)
        pdf.ln(0.5)


def _table(pdf: FPDF, table: Table) -> None:
    if not table.rows:
        pdf.set_font(_FONT, "", 10)
        pdf.set_text_color(*_MUTED)
        pdf.multi_cell(0, 5, table.empty, align="L", new_x=XPos.LMARGIN)
        pdf.set_text_color(*_INK)
        return
    pdf.set_font(_FONT, "", 8.5)
    headings = FontFace(emphasis="BOLD", fill_color=_HEADER_FILL)
    widths = tuple(table.widths) if table.widths else None
    with pdf.table(
        col_widths=widths,
        headings_style=headings,
        line_height=4.5,
        text_align="LEFT",
        borders_layout="HORIZONTAL_LINES",
        repeat_headings=1,
    ) as grid:
        header = grid.row()
        for cell in table.header:
            header.cell(cell)
        for values in table.rows:
            row = grid.row()
            for value in values:
                row.cell(value or "—")
