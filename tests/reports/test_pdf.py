"""The PDF adapter: what goes into the document model comes out as readable text."""

import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from schakel.reports import Facts, Paragraph, Report, Section, Table, render_pdf

WHEN = datetime(2026, 11, 22, 10, 30)


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _report(rows: int) -> Report:
    return Report(
        title="Inzageverzoek IV-TEST",
        subtitle="Synthetisch testrapport",
        generated_at=WHEN,
        sections=(
            Section(
                "Betrokkene",
                (
                    Facts((("Naam", "Łukasz Ștefănescu-Öztürk"), ("Geboren", ""))),
                    Paragraph("Toelichting bij het verzoek.", muted=True),
                ),
            ),
            Section(
                "Verstrekkingen",
                (
                    Table(
                        ("Datum", "Van", "Aan"),
                        [
                            (f"rij-{n:03d}", "Gemeente Utrecht", "Politie")
                            for n in range(rows)
                        ],
                        widths=(1, 2, 2),
                    ),
                ),
            ),
            Section(
                "Uitzonderingen", (Table(("Grond",), [], empty="Geen uitzondering."),)
            ),
        ),
    )


def test_every_part_of_the_model_is_rendered_as_text() -> None:
    pdf = render_pdf(_report(rows=3))
    assert pdf.startswith(b"%PDF-")
    text, pages = _text(pdf)
    assert pages == 1
    for expected in (
        "Inzageverzoek IV-TEST",
        "Synthetisch testrapport",
        "Łukasz Ștefănescu-Öztürk",  # outside Latin-1: needs the shipped font
        "Toelichting bij het verzoek.",
        "rij-000",
        "rij-002",
        "Geen uitzondering.",
        "VERTROUWELIJK",
        "Opgesteld 22-11-2026 10:30",
        "Pagina 1 van 1",
    ):
        assert expected in text, expected


def test_long_tables_continue_on_numbered_pages() -> None:
    text, pages = _text(render_pdf(_report(rows=120)))
    assert pages >= 3
    assert f"Pagina {pages} van {pages}" in text
    assert "rij-119" in text
    assert text.count("Datum") >= pages - 1  # the header row is repeated


def test_the_same_report_renders_to_the_same_bytes() -> None:
    assert render_pdf(_report(rows=5)) == render_pdf(_report(rows=5))


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="one cell per column"):
        Table(("a", "b"), [("only one",)])
