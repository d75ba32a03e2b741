"""The plain-Dutch explanation of the assumptions, shipped as package data."""

from importlib.resources import files


def assumptions_nl() -> str:
    """Markdown text (Dutch) on closed population, heterogeneity, list dependence."""
    return (
        files("schakel.stats").joinpath("explanation_nl.md").read_text(encoding="utf-8")
    )
