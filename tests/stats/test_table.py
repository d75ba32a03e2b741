"""Parsing and validation of capture-pattern tables: one case per failure mode."""

import pytest

from schakel.stats import CaptureTable, InvalidCaptureTable

GOOD = "A,B,count\n1,0,3\n0,1,2\n1,1,1\n"


def test_parses_counts_in_cell_order():
    table = CaptureTable.from_csv_text(GOOD)
    assert table.lists == ("A", "B")
    assert table.counts == (3, 2, 1)
    assert table.observed == 6


def test_absent_patterns_count_zero_and_count_column_may_be_anywhere():
    table = CaptureTable.from_csv_text("n,X,Y,Z\n4,1,0,0\n2,0,0,1\n5,0,1,0\n", "n")
    assert table.lists == ("X", "Y", "Z")
    assert table.counts == (4, 5, 0, 2, 0, 0, 0)


def test_from_rows_equals_from_csv():
    rows = [((1, 0), 3), ((0, 1), 2), ((1, 1), 1)]
    assert CaptureTable.from_rows(["A", "B"], rows) == CaptureTable.from_csv_text(GOOD)


@pytest.mark.parametrize(
    ("text", "keywords"),
    [
        ("A,B,count\n1,2,3\n0,1,2\n", ["regel 2", "'B'", "0 of 1"]),
        ("A,B,count\n1,0,3\n0,1,-2\n", ["regel 3", "negatief"]),
        ("A,B,count\n1,0,3.5\n0,1,2\n", ["regel 2", "geheel"]),
        ("A,B,count\n1,0,drie\n0,1,2\n", ["regel 2", "geen getal"]),
        ("A,B,count\n1,0,3\n1,0,2\n0,1,1\n", ["regel 3", "dubbel", "regel 2"]),
        ("A,B,count\n1,0,3\n0,0,2\n0,1,1\n", ["regel 3", "nullen"]),
        ("A,count\n1,3\n", ["twee lijsten"]),
        ("A,B,aantal\n1,0,3\n", ["'count'", "ontbreekt"]),
        ("A,B,count\n1,0,3\n0,1\n", ["regel 3", "velden"]),
        ("A,A,count\n1,0,3\n0,1,2\n", ["dubbel", "A"]),
        ("A,B,count\n1,0,3\n", ["'B'", "niemand"]),
        ("A,B,count\n1,0,0\n0,1,0\n", ["niemand"]),
        ("", ["leeg"]),
    ],
)
def test_bad_tables_name_the_problem(text, keywords):
    with pytest.raises(InvalidCaptureTable) as info:
        CaptureTable.from_csv_text(text)
    for word in keywords:
        assert word in str(info.value)


def test_from_memberships_counts_people_per_pattern():
    people = [{"P", "K"}, {"P"}, {"P"}, {"K", "X"}, {"X"}, set()]
    table = CaptureTable.from_memberships(["P", "K"], people)
    assert table.counts == (2, 1, 1)
    assert table.observed == 4


def test_csv_round_trip():
    table = CaptureTable.from_csv_text(GOOD)
    assert CaptureTable.from_csv_text(table.to_csv_text()) == table
