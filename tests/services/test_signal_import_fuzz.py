"""The bulk-import readers (CSV and XLSX) and row validation under arbitrary files:
each file either gives rows, numbered as a spreadsheet shows them and each valid or
reported in the per-row report, or is refused with InvalidInput (with a message),
never another exception. No database: reading and validating come before writing.

The XLSX cases also damage a real workbook (its zip, its compressed streams, its
XML) and hand-write sheet XML, because openpyxl raises many undocumented errors
and, for hand-made row numbers, used to fill in every missing row.
"""

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from schakel.errors import InvalidInput
from schakel.services import signal_import
from schakel.services.signal_import import COLUMNS, ImportReport, RowError
from schakel.services.signal_import import XLSX_COLUMNS_READ as COLUMNS_READ
from schakel.signals import SignalInput

LABOUR = "labour_exploitation"
#: A row that validates, by column (the valid-rows property builds on it).
GOOD = {
    "description": "Werkt 14 uur per dag",
    "forms": LABOUR,
    "indicators": "excessive_hours",
    "given_name": "Jan",
    "surname": "Proef",
    "date_of_birth": "1990-01-01",
    "phones": "0612345678",
    "ibans": "NL91ABNA0417164300",
    "plates": "ab-123-c",
    "emails": "jan@example.nl",
    "bsn": "111222333",
}
CELLS = st.one_of(
    st.sampled_from(
        [
            *GOOD.values(),
            "",
            " ",
            "12",
            "nationaliteit",
            "2099-01-01",
            "31-02-1990",
            "NL00RABO0123456789",
            "a;;b; ",
            "possible_perpetrator",
            "high",
            "x\x00y",
            "\r",
            "\r\n",
            '"',
            "²²²²²²²²²",
        ]
    ),
    st.text(max_size=20),
)
HEADER_NAMES = st.one_of(
    st.sampled_from([*COLUMNS, "description", " description ", "Description", ""]),
    st.text(max_size=8),
)
#: A header the importer accepts: ``description`` and other known columns, in any
#: order, sometimes padded with spaces.
VALID_HEADER = (
    st.lists(st.sampled_from(COLUMNS), max_size=6, unique=True)
    .map(lambda names: ["description", *(n for n in names if n != "description")])
    .flatmap(st.permutations)
    .flatmap(lambda names: st.sampled_from([names, [f" {n} " for n in names]]))
)
HEADERS = st.one_of(VALID_HEADER, st.lists(HEADER_NAMES, max_size=6))
QUOTING = st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
TERMINATORS = st.sampled_from(["\n", "\r\n", "\r"])
ENCODINGS = st.sampled_from(
    ["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]
)


Read = list[tuple[int, dict[str, str] | None, SignalInput | list[RowError]]]


def _read(data: bytes, file_format: str | None = None) -> Read | None:
    """Read and validate as ``import_rows`` does; None when the file is refused.

    Returns the rows as ``(number, cells, result)``.
    """
    report = ImportReport()
    out = []
    try:
        for number, row in signal_import.read_file(io.BytesIO(data), file_format):
            report.rows_read += 1
            result = signal_import.validate_row(number, row)
            if isinstance(result, list):
                report.add_errors(result)
            out.append((number, row, result))
    except InvalidInput as exc:
        assert str(exc).startswith(("bestand", "kopregel"))
        return None
    numbers = [number for number, _, _ in out]
    assert numbers == sorted(set(numbers)) and all(n >= 2 for n in numbers)
    for number, _, result in out:
        if isinstance(result, list):
            assert result and all(isinstance(e, RowError) for e in result)
            assert all(e.row == number and e.column and e.reason for e in result)
        else:
            assert isinstance(result, SignalInput)
    assert report.error_rows == sum(isinstance(r, list) for _, _, r in out)
    return out


# --------------------------------------------------------------------------- CSV


def _csv_text(header, rows, quoting, terminator):
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=quoting, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _header_ok(header):
    names = [h.strip() for h in header]
    return bool(names) and "description" in names and set(names) <= set(COLUMNS)


def _expected_csv_rows(header, rows):
    """Rows as the reader should give them: numbered from 2, blank ones left out."""
    names = [h.strip() for h in header]
    return [
        (
            number,
            None if len(cells) > len(names) else dict(zip(names, cells, strict=False)),
        )
        for number, cells in enumerate(rows, start=2)
        if any(c.strip() for c in cells)
    ]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "csv", "xlsx"]))
@example(b"", None)
@example(b"\xef\xbb\xbf", None)
@example(b"description\n\x00\n", None)
@example(b"description\rx\r\ry\r", "csv")
@example(b"description\nca\xe9\n", None)
@example(b"description\n\xed\xa0\x80\n", None)  # an encoded surrogate
@example(b'description\n"open', "csv")
@example(b"PK\x03\x04", None)
def test_arbitrary_bytes_give_rows_or_invalid_input(data, file_format):
    _read(data, file_format)


@settings(max_examples=300, deadline=None)
@given(
    header=HEADERS,
    rows=st.lists(st.lists(CELLS, max_size=7), max_size=6),
    quoting=QUOTING,
    terminator=TERMINATORS,
    encoding=ENCODINGS,
)
@example(  # a field over the csv module's 128 kB limit: refused as a whole
    header=["description"],
    rows=[["x" * 131_073]],
    quoting=csv.QUOTE_MINIMAL,
    terminator="\n",
    encoding="utf-8",
).via("the field size limit")
@example(  # a long field under it: that row's description is reported
    header=["description", "forms"],
    rows=[["x" * 100_000, LABOUR]],
    quoting=csv.QUOTE_MINIMAL,
    terminator="\r",
    encoding="utf-8-sig",
).via("a long field")
@example(  # NUL was read, and crashed the import on PostgreSQL (municipality)
    header=["description", "forms", "municipality"],
    rows=[["x", LABOUR, "Utrecht\x00"]],
    quoting=csv.QUOTE_MINIMAL,
    terminator="\n",
    encoding="utf-8",
).via("a NUL byte")
def test_csv_shaped_text_gives_rows_or_invalid_input(
    header, rows, quoting, terminator, encoding
):
    text = _csv_text(header, rows, quoting, terminator)
    data = text.encode(encoding, errors="replace")
    result = _read(data, "csv")
    if encoding not in ("utf-8", "utf-8-sig"):
        return  # bytes that mean something else: only the general property
    cells = [c for r in [header, *rows] for c in r]
    if any(len(c) > csv.field_size_limit() or "\x00" in c for c in cells):
        assert result is None
        return
    if list(csv.reader(io.StringIO(text, newline=""))) != [header, *rows]:
        return  # csv.writer does not quote a lone CR: the text means other rows
    if not _header_ok(header):
        assert result is None
        return
    assert result is not None
    assert [(n, cells) for n, cells, _ in result] == _expected_csv_rows(header, rows)


@settings(max_examples=200, deadline=None)
@given(
    columns=st.permutations(list(GOOD)),
    rows=st.lists(
        st.one_of(
            st.just(None),  # the good row
            st.just([]),  # a blank line
            st.lists(CELLS, min_size=1, max_size=len(GOOD) + 1),
        ),
        max_size=8,
    ),
    quoting=st.sampled_from([csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    terminator=TERMINATORS,
)
def test_valid_rows_are_kept_with_their_row_numbers(columns, rows, quoting, terminator):
    good = [GOOD[c] for c in columns]
    written = [good if r is None else r for r in rows]
    result = _read(_csv_text(columns, written, quoting, terminator).encode(), "csv")
    if any("\x00" in c for r in written for c in r):
        assert result is None  # refused as a whole
        return
    assert result is not None
    by_number = {number: outcome for number, _, outcome in result}
    good_numbers = [n for n, r in enumerate(rows, start=2) if r is None]
    for number in good_numbers:
        assert isinstance(by_number[number], SignalInput)
    assert set(by_number) == {n for n, _ in _expected_csv_rows(columns, written)}


# -------------------------------------------------------------------------- XLSX

#: Text that XML can hold and openpyxl stores as text (not as a formula).
XLSX_TEXT = st.text(
    alphabet=st.characters(
        exclude_categories=("Cs", "Cc", "Cn"), include_characters="\t\n"
    ),
    max_size=15,
).filter(lambda s: not s.startswith("="))
XLSX_VALUES = st.one_of(
    st.none(),
    st.sampled_from([*GOOD.values(), "", "  "]),
    XLSX_TEXT,
    st.integers(-(10**15), 10**15),
    # openpyxl writes 16 significant digits
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda f: float(f"{f:.16g}") == f
    ),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
)


#: openpyxl warns about odd parts it repairs or drops (a warning in production,
#: an error under this suite's filterwarnings); the property is about exceptions.
OPENPYXL_WARNINGS = pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")


def _xlsx(header, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _expected_xlsx_rows(header, rows):
    """What the reader should give: rows read as far as XLSX_COLUMNS_READ."""
    names = [signal_import._cell(v).strip() for v in header[:COLUMNS_READ]]
    while names and not names[-1]:
        names.pop()
    expected = []
    for number, row in enumerate(rows, start=2):
        texts = [signal_import._cell(v) for v in row[:COLUMNS_READ]]
        while texts and not texts[-1].strip():
            texts.pop()
        if texts:
            extra = len(texts) > len(names)
            expected.append(
                (number, None if extra else dict(zip(names, texts, strict=False)))
            )
    return names, expected


@OPENPYXL_WARNINGS
@settings(max_examples=150, deadline=None)
@given(
    header=st.one_of(
        VALID_HEADER.map(lambda names: [*names, None, ""]),
        st.lists(st.one_of(st.sampled_from([*COLUMNS, ""]), XLSX_TEXT, st.none())),
    ),
    rows=st.lists(st.lists(XLSX_VALUES, max_size=7), max_size=6),
)
@example(header=["description"], rows=[[], ["x"], [None, "y"], [None, None, None, "z"]])
@example(header=["description"], rows=[["x", *[None] * COLUMNS_READ, "not read"]])
def test_xlsx_workbooks_give_rows_or_invalid_input(header, rows):
    names, expected = _expected_xlsx_rows(header, rows)
    result = _read(_xlsx(header, rows), "xlsx")
    if not _header_ok(names):
        assert result is None
        return
    assert result is not None
    assert [(n, cells) for n, cells, _ in result] == expected


def _parts():
    book = Workbook()
    sheet = book.active
    sheet.append(["description", "forms", "date_of_birth", "phones"])
    sheet.append(["Werkt 14 uur per dag", LABOUR, dt.date(1990, 1, 1), "0612345678"])
    sheet.append(["Tweede", LABOUR, 19900101, 612345678.0])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    # Fixed timestamps, so that the zip (and the offsets in the examples) is the
    # same on every run.
    parts["docProps/core.xml"] = re.sub(
        rb"\d{4}-\d\d-\d\dT[\d:]+Z", b"2024-01-01T00:00:00Z", parts["docProps/core.xml"]
    )
    return parts


PARTS = _parts()
SHEET = "xl/worksheets/sheet1.xml"


def _zip(parts):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _edit(data, edits, start=0, length=None):
    data = bytearray(data)
    length = len(data) - start if length is None else length
    for position, byte in edits:
        if length:
            data[start + position % length] = byte
    return bytes(data)


def _damaged(mode, member, edits, cut):
    if mode == "xml":  # the member's text is damaged, the zip is sound
        data = _zip({**PARTS, member: _edit(PARTS[member], edits)})
    else:
        data = _zip(PARTS)
        if mode == "deflated":  # the member's compressed stream is damaged
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                info = archive.getinfo(member)
            start = info.header_offset + 30 + len(info.filename.encode())
            data = _edit(data, edits, start, info.compress_size)
        else:  # anywhere: headers, central directory
            data = _edit(data, edits)
    return data if cut is None else data[: cut % (len(data) + 1)]


@OPENPYXL_WARNINGS
@settings(max_examples=300, deadline=None)
@given(
    mode=st.sampled_from(["xml", "deflated", "raw"]),
    member=st.sampled_from(sorted(PARTS)),
    edits=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4
    ),
    cut=st.none() | st.integers(0, 10**6),
)
# zlib.error from a damaged deflate stream (was not caught)
@example(mode="deflated", member=SHEET, edits=[(8, 0xFF)], cut=None)
# EOFError from a local header whose name length runs past the data
@example(mode="raw", member=SHEET, edits=[(224, 247)], cut=None)
# NotImplementedError: an unknown compression method in the central directory
@example(mode="raw", member=SHEET, edits=[(-77, 0x63)], cut=None)
# RuntimeError: the central directory marks an entry as encrypted
@example(mode="raw", member=SHEET, edits=[(-79, 0x01)], cut=None)
# ParseError (a SyntaxError) from the sheet's XML, halfway through the rows
@example(mode="xml", member=SHEET, edits=[(-60, ord("<"))], cut=None)
def test_damaged_workbooks_give_rows_or_invalid_input(mode, member, edits, cut):
    _read(_damaged(mode, member, edits, cut), "xlsx")


NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NUMBERS = st.one_of(
    st.integers(-3, 40).map(str),
    st.sampled_from(["", "x", "1.5", "1e3", "-0"]),
)
COLUMN_LETTERS = st.sampled_from(["A", "B", "C", "D", "XFD", "XFE", "ZZZZ", ""])
REFS = st.builds(str.__add__, COLUMN_LETTERS, NUMBERS)
VALUES = st.one_of(
    st.sampled_from(
        ["0", "1", "2", "32874", "-1", "1e20", "1e400", "nan", "inf", "9" * 400]
        + ["TRUE", "#DIV/0!", "2020-01-01", "2020-13-45T25:00", "", "x", "2958466"]
    ),
    st.text(alphabet="0123456789.-+eE:T xX", max_size=8),
)
TYPES = st.sampled_from([None, "n", "s", "b", "str", "e", "d", "inlineStr", "x"])
STYLES = st.sampled_from([None, "0", "1", "2", "x"])  # 1: a date format


@st.composite
def _sheet_cell(draw):
    ref, kind, style = draw(st.none() | REFS), draw(TYPES), draw(STYLES)
    attrs = "".join(
        f' {key}="{value}"'
        for key, value in (("r", ref), ("t", kind), ("s", style))
        if value is not None
    )
    value = draw(VALUES)
    body = f"<is><t>{value}</t></is>" if kind == "inlineStr" else f"<v>{value}</v>"
    return f"<c{attrs}>{body}</c>"


@st.composite
def _sheet_rows(draw):
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        number = draw(st.none() | NUMBERS)
        attr = "" if number is None else f' r="{number}"'
        cells = "".join(draw(st.lists(_sheet_cell(), max_size=3)))
        rows.append(f"<row{attr}>{cells}</row>")
    return "".join(rows)


def _sheet(rows, dimension=""):
    """A sheet with the header ``description,date_of_birth`` and these rows."""
    dimension = dimension and f'<dimension ref="{dimension}"/>'
    return (
        f'<worksheet xmlns="{NS}">{dimension}<sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>description</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>date_of_birth</t></is></c></row>'
        f"{rows}</sheetData></worksheet>"
    ).encode()


BELOW_DIMENSION = '<row r="3"><c t="inlineStr"><is><t>x</t></is></c></row>'


@OPENPYXL_WARNINGS
@settings(max_examples=300, deadline=None)
@given(_sheet_rows(), st.sampled_from(["", "A1:B2", "A1:XFD1048576", "x"]))
# the reader yielded every empty row up to a hand-made row number (never ended)
@example('<row r="99999999999"><c t="inlineStr"><is><t>x</t></is></c></row>', "")
# ValueError: a row number or cell reference that is not one
@example('<row r="x"><c><v>1</v></c></row>', "")
@example('<row><c r="1A"><v>1</v></c></row>', "")
# ValueError: a date or a number that is not one
@example('<row><c t="d"><v>x</v></c></row>', "")
@example('<row><c t="n"><v>x</v></c></row>', "")
# IndexError: a shared-string index past the (missing) table
@example('<row><c t="s"><v>5</v></c></row>', "")
# rows below a too-small stored dimension were dropped without a word
@example(BELOW_DIMENSION, "A1:B2")
def test_hand_written_sheets_give_rows_or_invalid_input(rows, dimension):
    result = _read(_zip({**PARTS, SHEET: _sheet(rows, dimension)}), "xlsx")
    if rows == BELOW_DIMENSION:
        assert result is not None and [n for n, _, _ in result] == [3]


def test_xlsx_rows_are_read_only_so_wide(monkeypatch):
    """An empty cell in the last column (XFD) of each row once cost 16384 cells
    a row: a few kB of upload kept the server busy for minutes."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c>'
        f'<c r="XFD{n}" t="inlineStr"><is><t></t></is></c></row>'
        for n in range(2, 52)
    )
    seen = []
    real = signal_import._cell

    def counted(value):
        seen.append(value)
        return real(value)

    monkeypatch.setattr(signal_import, "_cell", counted)
    result = _read(_zip({**PARTS, SHEET: _sheet(rows)}), "xlsx")
    assert result is not None and [n for n, _, _ in result] == list(range(2, 52))
    assert len(seen) == 51 * COLUMNS_READ
