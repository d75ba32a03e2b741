import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schakel.linkage import InvalidSecret, InvalidValue, Kind, key_id, token

SECRET = b"a-test-secret-of-enough-bytes"
OTHER = b"another-test-secret-of-enough-bytes"


def test_token_is_the_same_for_spelling_variants():
    assert token(Kind.PHONE, "06 1234 5678", SECRET) == token(
        Kind.PHONE, "+31612345678", SECRET
    )


def test_token_carries_the_key_id_and_no_plaintext():
    t = token(Kind.PHONE, "0612345678", SECRET)
    assert t.startswith(key_id(SECRET) + ":")
    assert "612345678" not in t


def test_token_of_another_kind_differs():
    assert token(Kind.TEXT, "1234ab", SECRET) != token(Kind.POSTCODE, "1234ab", SECRET)


def test_short_secret_is_refused():
    with pytest.raises(InvalidSecret):
        token(Kind.PHONE, "0612345678", b"short")


def test_empty_value_has_no_token():
    with pytest.raises(InvalidValue):
        token(Kind.EMAIL, " ", SECRET)


@settings(max_examples=50, deadline=None)
@given(
    value=st.text(alphabet="abcdefghij0123456789 ", min_size=1, max_size=20).filter(
        str.strip
    )
)
def test_tokens_are_deterministic_and_keyed(value):
    first = token(Kind.TEXT, value, SECRET)
    assert token(Kind.TEXT, value, SECRET) == first
    assert token(Kind.TEXT, value, OTHER).split(":")[1] != first.split(":")[1]


def test_key_ids_differ_per_secret_and_reveal_nothing():
    assert key_id(SECRET) != key_id(OTHER)
    assert len(key_id(SECRET)) == 12
