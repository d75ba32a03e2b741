"""The one clock of the platform, so tests can move time (retention, sessions)."""

from datetime import UTC, datetime

_offset_seconds = 0.0


def utcnow() -> datetime:
    """Naive UTC now (stored so in SQLite and PostgreSQL), shifted in tests."""
    from datetime import timedelta

    return (datetime.now(UTC) + timedelta(seconds=_offset_seconds)).replace(tzinfo=None)


def shift(seconds: float) -> None:
    """Move the clock forward (tests only)."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0
