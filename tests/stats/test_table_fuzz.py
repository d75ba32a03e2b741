"""The capture-table CSV parser under arbitrary text: it either returns a table or
raises InvalidInput (with a message), never anything else."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from schakel.errors import InvalidInput
from schakel.stats import CaptureTable

CELLS = st.sampled_from(["0", "1", " 1", "2", "", "x", "1e3", "-1", "nan", "inf", '"'])
LINES = st.lists(
    st.lists(
        st.one_of(CELLS, st.text(max_size=5)),
        min_size=0,
        max_size=5,
    ).map(",".join),
    max_size=8,
)


def _parse(text: str) -> None:
    try:
        table = CaptureTable.from_csv_text(text)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert len(table.lists) >= 2
    assert all(count >= 0 for count in table.counts)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
@example("\x00")
@example("a,b,count\n1,0,5\n1,0,6\n")
@example('a,b,count\n"1\n')
@example("a,b,count\n" + "1,1," + "9" * 400 + "\n")
def test_arbitrary_text_gives_a_table_or_invalid_input(text):
    _parse(text)


@settings(max_examples=300, deadline=None)
@given(
    header=st.lists(st.sampled_from(["a", "b", "c", "count", "", "a:b"]), max_size=5),
    lines=LINES,
)
def test_csv_shaped_text_gives_a_table_or_invalid_input(header, lines):
    _parse("\n".join([",".join(header), *lines]) + "\n")
