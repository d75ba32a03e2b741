"""Runtime guard of the one-gate principle: a share row can only be written while
:mod:`schakel.services.gate` is writing it.

The gate enters :func:`gate_writing` around each write and flushes inside it; any
other code that adds or changes a share fails at flush with :class:`GateBypass`.
The same holds for case-contribution grants (what a case participant may see), and
case decisions and minutes are append-only: changing or deleting one fails at any
time (a correction of the minutes is a new entry).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from schakel.errors import SchakelError
from schakel.store.models import (
    CaseContributionGrant,
    CaseDecision,
    CaseMinute,
    Share,
)

_writing: ContextVar[bool] = ContextVar("gate_writing", default=False)


class GateBypass(SchakelError):
    """A share was written outside the share gate."""


@contextmanager
def gate_writing() -> Iterator[None]:
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


@event.listens_for(Session, "before_flush")
def _only_the_gate_writes_shares(
    session: Session, _context: Any, _instances: Any
) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, CaseDecision):
            raise GateBypass("Een besluit in een casus kan niet worden gewijzigd.")
        if isinstance(obj, CaseMinute):
            raise GateBypass(
                "Notulen worden niet gewijzigd; leg een correctie vast als "
                "nieuwe regel."
            )
    if _writing.get():
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Share, CaseContributionGrant)):
            raise GateBypass(
                "Delen kan alleen via de deelpoort (schakel.services.gate)."
            )
