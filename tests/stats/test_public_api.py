"""The public surface of schakel.stats and the purity of the core."""

import subprocess
import sys

import schakel.stats as stats


def test_all_is_sorted_and_exported():
    assert stats.__all__ == sorted(stats.__all__)
    for name in stats.__all__:
        assert hasattr(stats, name)


def test_core_imports_no_io_frameworks():
    code = (
        "import sys, schakel.stats; "
        "bad = [m for m in ('sqlalchemy', 'fastapi', 'typer', 'statsmodels') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_dutch_explanation_ships_with_the_package():
    text = stats.assumptions_nl()
    for topic in ("gesloten", "heterogeniteit", "afhankelijkheid"):
        assert topic in text.lower()
