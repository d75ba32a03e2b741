"""The PDF of minutes and action plan shows only what its reader may see: it is
built from the same per-reader view as the case page."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from schakel.errors import NotPermitted
from schakel.reports import Table, render_pdf
from schakel.services import case_report, cases
from schakel.store.models import AuditEntry
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import Covenant, Purpose
from tests.factory import user_id
from tests.services.test_cases import (
    KEYS,
    LEAD,
    PARTNER,
    PARTNER_WORKER,
    SECRET,
    WORKER,
    _accept,
    _contribute,
    _open,
    acting,
)


def _pdf_text(world, username, case_id):
    with acting(world, username) as (session, actor):
        report, filename = case_report.export(session, actor, case_id, KEYS)
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    return "\n".join(p.extract_text() for p in reader.pages), report, filename


def _build_case(world):
    """Ad hoc for care: the municipality's identifying contribution is withheld
    from the police (the gate needs more information); minutes and an action."""
    case_id = _open(world, frame=Covenant.OTHER, purpose=Purpose.CARE)
    _accept(world, case_id)
    _contribute(
        world,
        WORKER,
        case_id,
        identifying=True,
        documents=[cases.DocumentRef("Huisbezoekverslag", "Zaak Z-2026-17")],
    )
    _contribute(world, PARTNER_WORKER, case_id, "Bekend bij de politie (test).")
    owner = user_id(world, PARTNER_WORKER)
    with acting(world, LEAD) as (session, actor):
        meeting = cases.add_meeting(
            session, actor, KEYS, case_id, dt.date(2026, 12, 1), "Eerste overleg"
        )
        cases.add_agenda_item(session, actor, KEYS, case_id, meeting.id, "Veiligheid")
        cases.add_minute(
            session, actor, KEYS, case_id, meeting.id, "Afspraak over opvang."
        )
        cases.record_decision(
            session, actor, KEYS, case_id, "Veiligheidsplan", "Eerst veiligheid"
        )
        cases.add_action(
            session, actor, KEYS, case_id, "Opvang regelen", owner, dt.date.today()
        )
    return case_id


def test_participant_pdf_lacks_what_the_gate_withheld_contributor_pdf_has_it(world):
    case_id = _build_case(world)
    contributor, _report, filename = _pdf_text(world, WORKER, case_id)
    participant, report, _filename = _pdf_text(world, PARTNER_WORKER, case_id)
    assert filename == f"casus-{case_id}-verslag.pdf"
    assert "Overvecht" in contributor and "Huisbezoekverslag" in contributor
    assert "Overvecht" not in participant and "Huisbezoekverslag" not in participant
    assert "1 bijdrage(n) van andere deelnemers" in participant
    # The contributor sees why: the gate's decision for the police.
    assert "meer informatie nodig (voor Politie Rotterdam)" in contributor
    for text in (contributor, participant):
        for shared in (
            "Bekend bij de politie (test).",
            "Veiligheid",
            "Afspraak over opvang.",
            "Veiligheidsplan",
            "Opvang regelen",
            "Overleg 2026-12-01: Eerste overleg",
            f"Casus {case_id}: verslag en actieplan",
        ):
            assert shared in text, shared
    assert "Opgesteld voor avim.medewerker (Politie Rotterdam)" in participant
    # The report holds nothing the page view of the same reader does not.
    with acting(world, PARTNER_WORKER) as (session, actor):
        view = cases.get(session, actor, case_id, KEYS)
    assert SECRET not in repr(report) and len(view.contributions) == 1
    plan = next(s for s in report.sections if s.heading == "Actieplan")
    assert isinstance(plan.blocks[0], Table) and len(plan.blocks[0].rows) == 1


def test_an_invitation_has_no_report_and_every_export_is_audited(world):
    case_id = _open(world)
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotPermitted, match="Accepteer eerst"):
            case_report.export(session, actor, case_id, KEYS)
    _pdf_text(world, LEAD, case_id)
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        exports = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "case.export",
                AuditEntry.object_ref == str(case_id),
            )
        ).all()
    # The refused attempt wrote nothing; the export is one entry, not a view.
    assert [e.actor_user_id for e in exports] == [user_id(world, LEAD)]
