import doctest
import importlib
import pkgutil
import subprocess
import sys

import pytest

import schakel.linkage

MODULES = [
    m.name for m in pkgutil.iter_modules(schakel.linkage.__path__, "schakel.linkage.")
]


def test_public_surface_is_sorted_and_importable():
    names = schakel.linkage.__all__
    assert names == sorted(names)
    assert all(hasattr(schakel.linkage, n) for n in names)


def test_core_pulls_in_no_io_frameworks():
    code = (
        "import sys, schakel.linkage; "
        "bad = [m for m in ('sqlalchemy', 'fastapi', 'typer') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
