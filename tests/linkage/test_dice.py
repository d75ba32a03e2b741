import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from schakel.linkage import dice_matrix, dice_pairs, dice_reference
from schakel.linkage._bloom import BYTES
from schakel.linkage._dice import as_matrix

filters = st.binary(min_size=BYTES, max_size=BYTES)


@settings(max_examples=100, deadline=None)
@given(a=filters, b=filters)
def test_dice_is_symmetric_and_within_0_1(a, b):
    d = dice_reference(a, b)
    assert d == dice_reference(b, a)
    assert 0.0 <= d <= 1.0


@settings(max_examples=30, deadline=None)
@given(
    a=st.lists(filters, min_size=1, max_size=6),
    b=st.lists(filters, min_size=1, max_size=6),
)
def test_vectorised_dice_agrees_with_the_reference(a, b):
    ma, mb = as_matrix(a, BYTES), as_matrix(b, BYTES)
    ia = np.repeat(np.arange(len(a)), len(b))
    ib = np.tile(np.arange(len(b)), len(a))
    expect = np.array([dice_reference(a[i], b[j]) for i, j in zip(ia, ib, strict=True)])
    assert np.allclose(dice_pairs(ma, mb, ia, ib), expect, atol=1e-6)
    assert np.allclose(dice_matrix(ma, mb, threads=2).ravel(), expect, atol=1e-6)


def test_identical_filters_have_dice_one_and_empty_ones_zero():
    full = bytes([0xFF]) * BYTES
    assert dice_reference(full, full) == 1.0
    assert dice_reference(bytes(BYTES), bytes(BYTES)) == 0.0
