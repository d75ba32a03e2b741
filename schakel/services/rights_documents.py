"""The subject-access report as a printable document (:mod:`schakel.reports`).

Built from the same :class:`~schakel.services.rights.Report` the page shows, so the
PDF can never say more than the screen. Two copies:

- ``betrokkene``, for the data subject: who holds or received data about them, which
  categories, for which purpose, on which ground (rule id and citation), when and
  from whom, plus their further rights. Items withheld on a recorded exemption are
  left out, and a fixed sentence (the same whether or not anything was withheld, so
  it tips no one off) names the legal possibility of restrictions;
- ``dossier``, for the organisation's file or a supervisor: the same, plus every
  recorded exemption with its ground and note, and the handling of the request.
"""

import datetime as dt
from collections.abc import Mapping

from schakel.clock import utcnow
from schakel.reports import Facts, Paragraph, Section, Table
from schakel.reports import Report as Document
from schakel.services.rights import Report, ReportItem

SUBJECT_COPY, FILE_COPY = "betrokkene", "dossier"
COPIES = (SUBJECT_COPY, FILE_COPY)
QUERY_LABELS = {
    "given_name": "voornaam",
    "surname": "achternaam",
    "date_of_birth": "geboortedatum",
    "phone": "telefoonnummer",
    "bsn": "BSN",
    "email": "e-mailadres",
}
KIND_NL = {
    "vastgelegd": "heeft een signaal vastgelegd",
    "ontvangen": "heeft gegevens ontvangen",
    "treffermelding": "kreeg een treffermelding",
}
STATUS_NL = {"open": "open", "verlengd": "verlengd", "afgehandeld": "afgehandeld"}
RESTRICTIONS = (
    "De wet staat toe dat gegevens geheel of gedeeltelijk niet worden verstrekt, "
    "bijvoorbeeld als inzage een lopend strafrechtelijk onderzoek of de rechten van "
    "anderen zou schaden (AVG art. 15 lid 4 en art. 23; Wet politiegegevens art. 27). "
    "Bent u het niet eens met dit antwoord, dan kunt u bezwaar maken bij de "
    "organisatie of een klacht indienen bij de Autoriteit Persoonsgegevens."
)
FURTHER_RIGHTS = (
    "Kloppen gegevens niet, dan kunt u vragen ze te corrigeren (AVG art. 16); "
    "zijn ze niet langer nodig of onrechtmatig verwerkt, dan kunt u vragen ze te "
    "wissen (AVG art. 17). Een correctie of wissing geldt ook voor iedere "
    "organisatie die de gegevens ontving; die wordt daarover ingelicht "
    "(AVG art. 19)."
)


def _what(item: ReportItem) -> str:
    text = KIND_NL.get(item.kind, item.kind)
    if item.erased:
        text += " · inmiddels gewist"
    elif item.rectified:
        text += " · inmiddels gecorrigeerd"
    return text


def _source(item: ReportItem, source_labels: Mapping[str, str]) -> str:
    if item.kind == "vastgelegd":
        return source_labels.get(item.source, item.source)
    return item.source


def _grounds_cell(item: ReportItem) -> str:
    if not item.grounds:
        return "zie het verwerkingsregister van het platform"
    return "\n".join(
        f"{citation} ({rule_id})" if rule_id else citation
        for rule_id, citation, _text in item.grounds
    )


def _ground_notes(items: list[ReportItem]) -> Table:
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        for rule_id, citation, text in item.grounds:
            seen.setdefault((rule_id, citation), text.strip())
    return Table(
        ("Regel", "Bron", "Toelichting"),
        [(rule or "—", cite, text) for (rule, cite), text in seen.items()],
        widths=(3, 3, 6),
        empty="Geen gronden van delingen.",
    )


def access_document(
    report: Report,
    organisation: str,
    source_labels: Mapping[str, str],
    copy: str = SUBJECT_COPY,
    generated_at: dt.datetime | None = None,
) -> Document:
    """The report as a document; ``copy`` is ``betrokkene`` or ``dossier``."""
    if copy not in COPIES:
        raise ValueError(f"copy must be one of {COPIES}")
    row = report.request
    searched = ", ".join(
        QUERY_LABELS[name] for name, value in report.query.as_dict().items() if value
    )
    request_facts: list[tuple[str, str]] = [
        ("Verzoek", f"inzageverzoek {row.id} (AVG art. 15)"),
        ("Ontvangen", row.received_on),
        ("Uiterlijk beantwoord", report.effective_deadline),
    ]
    if row.extended_to:
        request_facts.append(("Termijn verlengd", row.extension_reason))
    request_facts += [("Gezocht op", searched), ("Opgesteld door", organisation)]
    items = list(report.items)
    sections = [
        Section("Uw verzoek", (Facts(request_facts),)),
        Section(
            "Welke organisaties gegevens over u hebben of ontvingen",
            (
                Paragraph(
                    "Schakel is één loket voor alle deelnemende organisaties. Het "
                    "overzicht noemt per organisatie wat zij vastlegde of ontving, "
                    "van wie, welke soorten gegevens, met welk doel en op welke "
                    "grond. De inhoud zelf vraagt u op bij de organisatie.",
                    muted=True,
                ),
                Table(
                    (
                        "Organisatie",
                        "Wat",
                        "Van wie",
                        "Categorieën",
                        "Doel",
                        "Grond",
                        "Wanneer",
                    ),
                    [
                        (
                            f"{i.organisation} ({i.org_type})",
                            _what(i),
                            _source(i, source_labels),
                            ", ".join(i.categories),
                            i.purpose,
                            _grounds_cell(i),
                            i.when,
                        )
                        for i in items
                    ],
                    widths=(8, 6, 6, 7, 6, 8, 5),
                    empty="Er zijn geen gegevens over u gevonden.",
                ),
            ),
        ),
        Section("Toelichting bij de gronden", (_ground_notes(items),)),
        Section(
            "Uw rechten",
            (Paragraph(FURTHER_RIGHTS), Paragraph(RESTRICTIONS, muted=True)),
        ),
    ]
    if copy == FILE_COPY:
        sections += _file_sections(report)
    return Document(
        title=f"Inzage in uw gegevens: verzoek {row.id}",
        subtitle=(
            f"Exemplaar voor de betrokkene · {organisation}"
            if copy == SUBJECT_COPY
            else f"Dossierexemplaar (intern) · {organisation}"
        ),
        generated_at=generated_at or utcnow(),
        sections=tuple(sections),
        classification=(
            "Vertrouwelijk · persoonlijk"
            if copy == SUBJECT_COPY
            else "Vertrouwelijk · intern dossier"
        ),
    )


def _file_sections(report: Report) -> list[Section]:
    row = report.request
    handled = [
        ("Status", STATUS_NL.get(row.status, row.status)),
        (
            "Afgehandeld op",
            row.handled_at.strftime("%d-%m-%Y") if row.handled_at else "",
        ),
        ("Termijn verstreken", "ja" if report.overdue else "nee"),
    ]
    matched = sorted({m for i in report.items for m in i.matched_on})
    return [
        Section(
            "Niet verstrekt, met de vastgelegde grond (intern)",
            (
                Table(
                    ("Onderdeel", "Organisatie", "Grond", "Toelichting"),
                    [
                        (
                            w.item.key,
                            w.item.organisation,
                            f"{w.citation} ({w.ground}): {w.text_nl.strip()}",
                            w.note,
                        )
                        for w in report.withheld
                    ],
                    widths=(2, 3, 6, 4),
                    empty="Geen uitzonderingen vastgelegd.",
                ),
            ),
        ),
        Section(
            "Afhandeling (intern)",
            (
                Facts(handled),
                Paragraph(
                    f"Gevonden via: {', '.join(matched) or '—'}.",
                    muted=True,
                ),
            ),
        ),
    ]
