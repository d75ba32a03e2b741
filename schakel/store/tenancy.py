"""Tenancy enforced in the data layer.

Every ORM session carries a :class:`Scope` in ``session.info``. A select on a
:class:`~schakel.store.models.TenantOwned` table gets ``org_id = <scope org>`` added
automatically, and a session without any scope may not read such tables at all, so a
forgotten filter fails loudly instead of leaking. On PostgreSQL the same scope is set
per transaction (``schakel.org_id`` / ``schakel.system``) for the row-level security
policies, which also hold against raw SQL.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, or_, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from schakel.errors import SchakelError
from schakel.store import guards  # noqa: F401  (registers the one-gate guard)
from schakel.store.models import SharedBetween, TenantOwned


class MissingScope(SchakelError):
    """A tenant-owned table was queried from a session without a scope."""


@dataclass(frozen=True)
class Scope:
    """Whose rows a session may see: one organisation, or the system itself."""

    org_id: int | None = None
    system: bool = False

    @classmethod
    def for_org(cls, org_id: int) -> "Scope":
        return cls(org_id=org_id)

    @classmethod
    def system_wide(cls) -> "Scope":
        """For migrations, the demo loader, audit verification and matching jobs."""
        return cls(system=True)


def set_scope(session: Session, scope: Scope) -> None:
    """Bind ``session`` to ``scope``; an open PostgreSQL transaction is told at once."""
    session.info["scope"] = scope
    if session.in_transaction():
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _apply_postgres_scope(connection, scope)


def get_scope(session: Session) -> Scope | None:
    scope = session.info.get("scope")
    return scope if isinstance(scope, Scope) else None


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    scope = get_scope(state.session)
    touches_tenant_table = _touches(state)
    if not touches_tenant_table:
        return
    if scope is None:
        raise MissingScope("Geen organisatie-context: gegevens zijn niet zichtbaar.")
    if scope.system:
        return
    org_id = scope.org_id
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.org_id == org_id,
            include_aliases=True,
            track_closure_variables=False,
        ),
        with_loader_criteria(
            SharedBetween,
            lambda cls: or_(cls.org_id == org_id, cls.sender_org_id == org_id),
            include_aliases=True,
            track_closure_variables=False,
        ),
    )


def _touches(state: ORMExecuteState) -> bool:
    mappers = [state.bind_mapper] if state.bind_mapper is not None else []
    mappers += list(state.all_mappers)
    return any(
        issubclass(m.class_, (TenantOwned, SharedBetween))
        for m in mappers
        if m is not None
    )


@event.listens_for(Session, "after_begin")
def _set_postgres_scope(session: Session, _transaction: Any, connection: Any) -> None:
    if connection.dialect.name != "postgresql":
        return
    scope = get_scope(session)
    if scope is None or scope == Scope():
        # Both settings are transaction-local (``set_config(..., true)``), so a new
        # transaction starts without them: nothing visible, no round trip needed.
        return
    _apply_postgres_scope(connection, scope)


def _apply_postgres_scope(connection: Any, scope: Scope | None) -> None:
    org = "" if scope is None or scope.org_id is None else str(scope.org_id)
    system = "on" if scope is not None and scope.system else "off"
    connection.execute(
        text(
            "SELECT set_config('schakel.org_id', :org, true), "
            "set_config('schakel.system', :sys, true)"
        ),
        {"org": org, "sys": system},
    )


@contextmanager
def scoped_transaction(
    factory: sessionmaker[Session], scope: Scope
) -> Iterator[Session]:
    """One unit of work bound to ``scope``: commit on success, roll back on error."""
    with factory() as session:
        set_scope(session, scope)
        with session.begin():
            yield session


@contextmanager
def elevated(session: Session) -> Iterator[Session]:
    """Run a cross-organisation step (matching) inside the current transaction.

    Only services call this, for work whose result they reduce to what the caller
    may see (a hit, never the other record); the previous scope is restored after.
    """
    previous = get_scope(session)
    if previous is not None and previous.system:
        yield session  # already system-wide (the matching worker): nothing to switch
        return
    set_scope(session, Scope.system_wide())
    try:
        yield session
    finally:
        set_scope(session, previous or Scope())
