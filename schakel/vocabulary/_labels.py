"""Dutch labels for the vocabulary, kept as data in ``labels.yaml``."""

from enum import StrEnum
from functools import cache
from importlib.resources import files

import yaml


@cache
def labels() -> dict[str, dict[str, str]]:
    """All labels, keyed by enum class name and then by value."""
    text = files("schakel.vocabulary").joinpath("labels.yaml").read_text("utf-8")
    loaded: dict[str, dict[str, str]] = yaml.safe_load(text)
    return loaded


def label(value: StrEnum) -> str:
    """The Dutch label of one vocabulary value, e.g. ``Purpose.CARE`` -> "zorg"."""
    return labels()[type(value).__name__][value.value]
