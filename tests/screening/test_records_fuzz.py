"""The screening input readers (JSON Lines and CSV) under arbitrary bytes: every line
becomes a Record or a BadLine with its line number and a reason, or (CSV only) the
header is refused with MissingColumn, never another exception. Records keep their
line numbers, and hold only text that can be stored and written out.

Lines are split both ways the callers split them: ``bytes.splitlines`` (the web
upload) and iterating a binary file (the command line, on ``\\n`` only).
"""

import csv
import io
import itertools
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from schakel.screening._records import (
    BadLine,
    MissingColumn,
    Record,
    read_csv,
    read_jsonl,
)

SPLITTERS = {
    "web": lambda data: data.splitlines(keepends=True),
    "cli": lambda data: list(io.BytesIO(data)),
}
FIELDS = st.sampled_from(["id", "text", "ID", "tekst", "", " id", "id "])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "\x00", "m\x00", "\ud800", "x\udfff", "\r", "\u2028"]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(FIELDS | st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
OBJECTS = st.one_of(
    st.dictionaries(FIELDS, JSON_VALUES, max_size=4),
    st.fixed_dictionaries(
        {"id": st.integers() | st.text(max_size=6) | SCALARS, "text": st.text()},
        optional={"extra": JSON_VALUES},
    ),
)
DEEP = "[" * 100_000 + "]" * 100_000


def _items(reader, lines):
    """All of the reader's output, failing on a reader that does not stop."""
    items = list(itertools.islice(reader, 2 * len(lines) + 2))
    assert next(reader, None) is None
    assert all(isinstance(i, Record | BadLine) for i in items)
    for item in items:
        assert 1 <= item.line <= len(lines)
        if isinstance(item, BadLine):
            assert item.reason and item.message().startswith(f"regel {item.line}: ")
        else:
            # What the caller stores: the id in a text column, the text as JSON.
            assert "\x00" not in str(item.id)
            str(item.id).encode("utf-8")
            item.text.encode("utf-8")
    return items


def _blank(raw):
    try:
        return not raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False


def _check_jsonl(data, split):
    lines = SPLITTERS[split](data)
    items = _items(read_jsonl(iter(lines)), lines)
    # One item per line that is not blank, in order: nothing skipped silently.
    assert [i.line for i in items] == [
        n for n, raw in enumerate(lines, start=1) if not _blank(raw)
    ]
    return lines, items


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(sorted(SPLITTERS)))
@example(DEEP.encode(), "web")  # RecursionError from json.loads (was not caught)
@example(b'{"id": 1, "text": "' + b"9" * 5000 + b'"}\n{"id": ' + b"9" * 5000, "cli")
@example(b'\xef\xbb\xbf{"id": 1, "text": "a"}\n\x00\n\r\n\xff\n', "web")
@example(b'{"id": "a", "text": "b"}\r{"id": "c", "text": "d"}', "cli")
def test_arbitrary_bytes_give_records_or_bad_lines(data, split):
    _check_jsonl(data, split)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(OBJECTS, JSON_VALUES, st.just(DEEP)), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(sorted(SPLITTERS)),
)
# a lone surrogate in the id crashed the upload when it was stored
@example([{"id": "m\ud800", "text": "t"}], "\n", "web")
# NUL in the id crashed the upload on PostgreSQL
@example([{"id": "m\x00", "text": "t"}], "\n", "web")
@example([{"id": "m", "text": "t\udfff"}], "\n", "cli")
def test_json_lines_give_their_records_with_their_line_numbers(values, end, split):
    data = "".join(
        (v if isinstance(v, str) and v == DEEP else json.dumps(v)) + end for v in values
    ).encode()
    lines, items = _check_jsonl(data, split)
    if end == "\r" and split == "cli":
        return  # one line for the command line: only the general property
    by_line = {i.line: i for i in items}
    for number, value in enumerate(values, start=1):
        expected = _expected(value)
        if expected is not None:
            assert by_line[number] == Record(number, *expected)
        else:
            assert isinstance(by_line[number], BadLine)


def _expected(value):
    """``(id, text)`` when this JSON value is a usable record, else None."""
    if not isinstance(value, dict) or "id" not in value or "text" not in value:
        return None
    rid, text = value["id"], value["text"]
    if (
        isinstance(rid, bool)
        or not isinstance(rid, int | str)
        or not isinstance(text, str)
    ):
        return None
    if isinstance(rid, str) and (not rid.strip() or not _storable(rid, nul=False)):
        return None
    return (rid, text) if _storable(text, nul=True) else None


def _storable(value, nul):
    return (nul or "\x00" not in value) and not any(
        "\ud800" <= c <= "\udfff" for c in value
    )


# --------------------------------------------------------------------------- CSV


def _check_csv(data, split):
    lines = SPLITTERS[split](data)
    try:
        items = _items(read_csv(iter(lines)), lines)
    except MissingColumn as exc:
        assert str(exc).startswith("regel ")
        return lines, None
    numbers = [i.line for i in items]
    assert numbers == sorted(numbers)
    return lines, items


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(sorted(SPLITTERS)))
@example(b"id,text\n1,\x00\n\x00,b\n", "web")
@example(b'id,text\n1,"open\n2,b\n', "cli")
@example(b"id,text\n1,a\rb\n", "cli")  # a lone CR inside a command-line line
@example(b"id,text\n1," + b"x" * 140_000 + b"\n2,b\n", "web")  # over the field limit
@example(b"\xff\xfe,text\nid,text\n1,a\n", "web")  # the header line is not UTF-8
def test_arbitrary_bytes_give_records_bad_lines_or_missing_column(data, split):
    _check_csv(data, split)


#: Cell text; a BOM would be read as one only at the very start of the file.
CSV_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\ufeff"), max_size=8
)


CSV_CELLS = st.sampled_from(["", " ", "1", "a b", "\x00", '"', ","]) | CSV_TEXT


@st.composite
def _table(draw):
    """A header (mostly with ``id`` and ``text``) and rows (mostly as wide)."""
    header = draw(
        st.one_of(
            st.lists(FIELDS | CSV_TEXT, max_size=4),
            st.lists(CSV_TEXT, max_size=2)
            .map(lambda h: ["id", "text", *h])
            .flatmap(st.permutations),
        )
    )
    width = st.sampled_from([len(header)] * 3 + [0, 1, len(header) + 1])
    rows = draw(
        st.lists(
            width.flatmap(lambda n: st.lists(CSV_CELLS, min_size=n, max_size=n)),
            max_size=6,
        )
    )
    return header, rows


@settings(max_examples=300, deadline=None)
@given(
    table=_table(),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    split=st.sampled_from(sorted(SPLITTERS)),
)
def test_csv_gives_its_records_with_their_line_numbers(table, quoting, split):
    header, rows = table
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=quoting, lineterminator="\n")
    writer.writerows([header, *rows])
    text = out.getvalue()
    lines, items = _check_csv(text.encode(), split)
    if any("\n" in c or "\r" in c for r in [header, *rows] for c in r):
        return  # records over several lines: only the general property
    names = [h.strip() for h in header]
    if "id" not in names or "text" not in names:
        assert items is None
        return
    assert items is not None
    by_line = {i.line: i for i in items}
    for number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            assert number not in by_line
        elif len(cells) != len(names):
            assert isinstance(by_line[number], BadLine)
        else:
            row = dict(zip(names, cells, strict=True))
            rid, body = row["id"], row["text"]
            if rid.strip() and "\x00" not in rid:
                assert by_line[number] == Record(number, rid, body)
            else:
                assert isinstance(by_line[number], BadLine)
