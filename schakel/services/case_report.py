"""The minutes and action plan of a case as a printable report, for one reader.

The report is built only from the :class:`~schakel.services.cases.CaseView` the case
page shows that reader (the same per-participant reduction, after the share gate),
so a PDF can never show more than the screen: a contribution the gate withheld from
the reader's organisation is not in the view and so not in the report.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.reports import Block, Facts, Paragraph, Report, Section, Table
from schakel.services import cases
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.vocabulary import OrgType, Purpose, label

DECISIONS = {
    "allowed": "toegestaan",
    "allowed_with_conditions": "toegestaan onder voorwaarden",
    "not_allowed": "niet toegestaan",
    "need_more_information": "meer informatie nodig",
    "no_personal_data": "geen persoonsgegevens",
}
STATUS = {"invited": "uitgenodigd", "accepted": "neemt deel"}


def _when(moment: datetime) -> str:
    return moment.strftime("%d-%m-%Y %H:%M")


def export(
    session: Session, actor: Actor, case_id: int, keys: KeyMaterial
) -> tuple[Report, str]:
    """The report for ``actor`` and a file name; audited as ``case.export``.

    Refused (403) while the reader sees only an invitation.
    """
    view = cases.get(
        session,
        actor,
        case_id,
        keys,
        audit_action="case.export",
        require_content=True,
    )
    return build(view, actor), f"casus-{case_id}-verslag.pdf"


def build(view: cases.CaseView, reader: Actor) -> Report:
    """Pure: the view as a report (participants, meetings with agenda and minutes,
    decisions, action plan, the contributions visible to the reader)."""
    c = view.case
    facts = [
        ("Kader", view.frame.label),
        ("Doel", label(Purpose(c.purpose))),
        ("Fase", cases.STATUSES.get(c.status, c.status)),
        ("Geopend door", view.owner_name),
        ("Geopend op", _when(c.created_at)),
    ]
    if view.closed:
        outcome = cases.OUTCOMES.get(c.outcome or "", c.outcome or "")
        facts.append(("Uitkomst", outcome))
        if view.outcome_reason:
            facts.append(("Toelichting", view.outcome_reason))
        if c.retention_until:
            facts.append(("Bewaren tot", c.retention_until.strftime("%d-%m-%Y")))
    sections = [
        Section("Casus", (Facts(facts),)),
        Section(
            "Deelnemers",
            (
                Table(
                    ("Organisatie", "Type", "Status"),
                    [
                        (o.name, label(OrgType(o.org_type)), STATUS.get(p.status, ""))
                        for p, o in view.participants
                    ],
                    widths=(3, 2, 1),
                ),
                Table(
                    ("Genoemde professional", "Organisatie", "Status"),
                    [
                        (m.name, m.org_name, STATUS.get(m.row.status, ""))
                        for m in view.members
                    ],
                    widths=(3, 2, 1),
                    empty="Geen genoemde professionals.",
                ),
            ),
        ),
    ]
    sections.extend(_meeting(m) for m in view.meetings)
    if not view.meetings:
        sections.append(
            Section("Overleggen", (Paragraph("Nog geen overleg vastgelegd."),))
        )
    sections.append(
        Section(
            "Besluiten",
            (
                Table(
                    ("Tijd", "Door", "Besluit", "Motivering"),
                    [
                        (_when(d.row.created_at), d.actor, d.text, d.reason)
                        for d in view.decisions
                    ],
                    widths=(2, 2, 3, 3),
                    empty="Nog geen besluiten.",
                ),
            ),
        )
    )
    sections.append(
        Section(
            "Actieplan",
            (
                Table(
                    ("Actie", "Eigenaar", "Deadline", "Status"),
                    [
                        (
                            a.text,
                            a.owner,
                            a.row.deadline + (" (verlopen)" if a.overdue else ""),
                            cases.ACTION_STATUSES.get(a.row.status, a.row.status),
                        )
                        for a in view.actions
                    ],
                    widths=(4, 3, 2, 1),
                    empty="Nog geen acties.",
                ),
            ),
        )
    )
    sections.append(_contributions(view))
    return Report(
        title=f"Casus {c.id}: verslag en actieplan",
        subtitle=(
            f"Opgesteld voor {reader.display_name} ({reader.organisation_name}); "
            "bevat alleen wat de deelpoort deze organisatie toestond."
        ),
        generated_at=utcnow(),
        sections=tuple(sections),
    )


def _meeting(meeting: cases.MeetingView) -> Section:
    day = meeting.row.held_on
    corrected = {
        m.row.id: ", ".join(str(i) for i in m.corrected_by)
        for m in meeting.minutes
        if m.corrected_by
    }
    rows = []
    for m in meeting.minutes:
        note = ""
        if m.row.corrects_id is not None:
            note = f" [correctie op {m.row.corrects_id}]"
        if m.row.id in corrected:
            note += f" [gecorrigeerd in {corrected[m.row.id]}]"
        rows.append((str(m.row.id), _when(m.row.created_at), m.actor, m.text + note))
    return Section(
        f"Overleg {day}: {meeting.title}",
        (
            Table(
                ("Nr.", "Agendapunt"),
                [(str(a.row.position), a.text) for a in meeting.agenda],
                widths=(1, 9),
                empty="Geen agenda.",
            ),
            Table(
                ("Regel", "Tijd", "Door", "Notulen"),
                rows,
                widths=(1, 2, 2, 5),
                empty="Nog geen notulen.",
            ),
        ),
    )


def _contributions(view: cases.CaseView) -> Section:
    blocks: list[Block] = []
    for cv in view.contributions:
        blocks.append(
            Paragraph(f"{cv.org_name} · {cv.author} · {_when(cv.row.created_at)}")
        )
        blocks.append(Paragraph(cv.text))
        for doc in cv.documents:
            blocks.append(Paragraph(f"Document: {doc.title} — {doc.reference}"))
        decisions = [
            DECISIONS.get(g.decision, g.decision)
            + (f" (voor {_org(view, g.org_id)})" if cv.own else "")
            for g in cv.grants
        ]
        if decisions:
            blocks.append(
                Paragraph("Deelpoort: " + "; ".join(decisions) + ".", muted=True)
            )
    if not view.contributions:
        blocks.append(Paragraph("Geen zichtbare bijdragen."))
    if view.hidden:
        blocks.append(
            Paragraph(
                f"{view.hidden} bijdrage(n) van andere deelnemers zijn voor uw "
                "organisatie niet zichtbaar: de deelcheck stond dat niet toe.",
                muted=True,
            )
        )
    return Section("Bijdragen", tuple(blocks))


def _org(view: cases.CaseView, org_id: int) -> str:
    return next((o.name for _, o in view.participants if o.id == org_id), str(org_id))
