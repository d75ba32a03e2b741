"""The share check as a platform service: ask, save a reasoning, list and read them.

A question holds vocabulary values only (organisation types, purposes, categories),
never a person, so questions and answers may be stored and audited as they are.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.errors import InvalidInput, NotFound
from schakel.rules import Answer, Question, check, load_ruleset, scenario_coverage
from schakel.services.actor import Actor
from schakel.store import audit_log
from schakel.store.models import ShareDecision

MAX_NOTE_LENGTH = 4000


def ask(session: Session, actor: Actor, question: Question) -> Answer:
    """Answer one question and audit that it was asked (decision, rule-set version)."""
    answer = check(question)
    audit_log.append(
        session,
        "share_check.ask",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="share_check",
        ruleset_version=answer.ruleset_version,
        detail={
            "decision": answer.decision,
            "purpose": question.purpose.value,
            "recipient": question.recipient.value,
        },
    )
    return answer


def save_reasoning(
    session: Session, actor: Actor, question: Question, note: str
) -> ShareDecision:
    """Record a verantwoording; the answer is recomputed here, never trusted."""
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"toelichting: maximaal {MAX_NOTE_LENGTH} tekens.")
    answer = check(question)
    row = ShareDecision(
        org_id=actor.org_id,
        user_id=actor.user_id,
        question=question.model_dump(mode="json"),
        answer=answer.model_dump(mode="json"),
        decision=str(answer.decision),
        ruleset_version=answer.ruleset_version,
        note=note.strip(),
    )
    session.add(row)
    session.flush()
    audit_log.append(
        session,
        "share_check.save",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="share_decision",
        object_ref=row.id,
        ruleset_version=answer.ruleset_version,
        detail={"decision": row.decision},
    )
    return row


def list_reasonings(
    session: Session, actor: Actor, limit: int = 200
) -> list[ShareDecision]:
    """The organisation's own reasonings (the tenancy filter guarantees 'own')."""
    query = select(ShareDecision).order_by(
        ShareDecision.created_at.desc(), ShareDecision.id.desc()
    )
    return list(session.scalars(query.limit(limit)))


def get_reasoning(session: Session, actor: Actor, decision_id: int) -> ShareDecision:
    row = session.scalars(
        select(ShareDecision).where(ShareDecision.id == decision_id)
    ).first()
    if row is None:
        raise NotFound(
            "Deze verantwoording bestaat niet of is niet van uw organisatie."
        )
    audit_log.append(
        session,
        "share_decision.view",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="share_decision",
        object_ref=row.id,
    )
    return row


@dataclass(frozen=True)
class RuleView:
    id: str
    kind: str
    citation: str
    text_nl: str
    valid_from: str
    valid_until: str | None
    file: str
    decision: str | None
    scenarios: tuple[str, ...]


def rules_overview() -> tuple[str, list[RuleView]]:
    """Every rule with citation, validity and the scenarios that exercise it."""
    ruleset = load_ruleset()
    coverage = scenario_coverage()
    views = [
        RuleView(
            r.id,
            r.kind,
            r.citation,
            r.text_nl,
            r.valid_from.isoformat(),
            r.valid_until.isoformat() if r.valid_until else None,
            r.file,
            str(r.decision) if r.decision else None,
            coverage.get(r.id, ()),
        )
        for r in ruleset.rules
    ]
    return ruleset.version, views


def question_texts() -> dict[str, Any]:
    return dict(load_ruleset().questions_nl)
