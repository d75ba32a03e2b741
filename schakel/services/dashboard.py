"""Read models for the shell pages: what an organisation may see of itself."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schakel.errors import NotPermitted
from schakel.services.actor import Actor
from schakel.store import audit_log
from schakel.store.models import AuditEntry, ShareDecision, User
from schakel.vocabulary import Role


@dataclass(frozen=True)
class Summary:
    decisions: int
    decisions_by_outcome: dict[str, int]
    colleagues: int


def summary(session: Session, actor: Actor) -> Summary:
    """Counts over the actor's own organisation (the tenancy filter applies)."""
    rows = session.execute(
        select(ShareDecision.decision, func.count()).group_by(ShareDecision.decision)
    ).all()
    by_outcome = {str(r[0]): int(r[1]) for r in rows}
    colleagues = session.scalar(
        select(func.count()).select_from(User).where(User.org_id == actor.org_id)
    )
    return Summary(sum(by_outcome.values()), by_outcome, int(colleagues or 0))


@dataclass(frozen=True)
class AuditView:
    entries: list[AuditEntry]
    total_entries: int


def audit_view(session: Session, actor: Actor) -> AuditView:
    if not actor.has(Role.PRIVACY_OFFICER, Role.ADMIN):
        raise NotPermitted(
            "Alleen de privacyfunctionaris en beheerders zien het auditlog."
        )
    total = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.org_id == actor.org_id)
    )
    return AuditView(audit_log.entries_for_org(session, actor.org_id), int(total or 0))
