"""The register of processing: generated from the rule base and the real flows."""

import csv
import io

import pytest
from sqlalchemy import select

from schakel.errors import NotPermitted
from schakel.rules import Decision, check, parse_question
from schakel.services import accounts, register
from schakel.store.models import AuditEntry, Share
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import Role
from tests.factory import SAMPLE_QUESTION, user_id


def _build(world, org, role=Role.PRIVACY_OFFICER):
    username = org.users[role]
    with scoped_transaction(world.factory, Scope.for_org(org.id)) as session:
        actor = accounts.actor_for(session, user_id(world, username))
        return register.build(session, actor)


def _activity(view, activity_id):
    return next(a for a in view.activities if a.id == activity_id)


def test_sharing_activity_carries_the_grounds_the_share_check_gives(world):
    view = _build(world, world.a)
    investigation = _activity(view, "delen-investigation")
    answer = check(parse_question(SAMPLE_QUESTION))
    assert answer.decision in (Decision.ALLOWED, Decision.ALLOWED_WITH_CONDITIONS)
    listed = {g.citation for g in investigation.grounds}
    assert {g.citation for g in answer.grounds} <= listed
    assert "Politie" in investigation.recipients_nl
    assert "identificerende gegevens" in investigation.data_categories_nl
    assert investigation.uri.endswith(f"org-{world.a.id}:delen-investigation:v2")


def test_flows_that_happened_are_counted_for_the_own_organisation_only(world):
    investigation = _activity(_build(world, world.a), "delen-investigation")
    assert [(f.recipient_nl, f.count) for f in investigation.flows] == [("Politie", 1)]
    assert investigation.recorded == 1


def test_platform_activities_retention_and_security_measures(world):
    view = _build(world, world.b, Role.ADMIN)
    ids = {a.id for a in view.activities}
    assert {"toetsing", "accountbeheer", "auditlog", "platform"} <= ids
    assert view.organisation == "Politie Rotterdam"
    assert any("nog vast te stellen" in r.period_nl for r in view.retention)
    assert any("row-level security" in m for m in view.security_measures)
    for activity in view.activities:
        assert activity.grounds and all(g.citation for g in activity.grounds)
        assert activity.retention


def test_professional_may_not_see_the_register(world):
    with pytest.raises(NotPermitted):
        _build(world, world.a, Role.PROFESSIONAL)


def test_every_view_is_audited(world):
    _build(world, world.a)
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "register.view")
        ).one()
    assert entry.org_id == world.a.id and entry.object_type == "register"


def test_csv_has_one_row_per_activity(world):
    view = _build(world, world.a)
    rows = list(csv.reader(io.StringIO(register.to_csv(view))))
    assert tuple(rows[0]) == register.CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == [a.id for a in view.activities]
    investigation = next(r for r in rows if r[0] == "delen-investigation")
    assert (
        investigation[register.CSV_COLUMNS.index("verantwoordingen_vastgelegd")] == "1"
    )


def _made(world, org_id):
    """Shares the gate made from ``org_id``'s signals, per purpose."""
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        made = session.scalars(select(Share).where(Share.sender_org_id == org_id))
        by_purpose: dict[str, int] = {}
        for share in made:
            by_purpose[share.purpose] = by_purpose.get(share.purpose, 0) + 1
    return by_purpose


@pytest.mark.parametrize("side", ["a", "b"])
def test_shares_the_gate_made_are_listed_for_the_sender_only(world, side):
    org = world.a if side == "a" else world.b
    made = _made(world, org.id)
    assert made, "the world holds a share made by each organisation"
    view = _build(world, org)
    for purpose, count in made.items():
        activity = _activity(view, f"delen-{purpose}")
        assert activity.delivered == count
        assert {f.recipient_nl for f in activity.deliveries} == {
            "Politie" if side == "a" else "Gemeente"
        }
    rows = list(csv.reader(io.StringIO(register.to_csv(view))))
    column = register.CSV_COLUMNS.index("gedeeld_via_de_poort")
    # exactly the own shares: what the other organisation sent is not counted
    assert sum(int(r[column]) for r in rows[1:]) == sum(made.values())
