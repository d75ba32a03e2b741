"""The doctests of the core's small helpers run here."""

import doctest

import pytest

from schakel.stats import _select, _table, suppression


@pytest.mark.parametrize("module", [_select, _table, suppression])
def test_module_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
