"""Extracts of the audit chain for an external auditor, and a Logboek export.

Exporting is itself audited, and the head is signed first, so a fresh extract is
always covered by a checkpoint at its last entry and verifies on its own with
``schakel audit verify-export``.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

import schakel
from schakel.audit import (
    canonical_json,
    export_lines,
    key_id,
    logboek_record,
    public_key_b64,
)
from schakel.clock import utcnow
from schakel.errors import InvalidInput
from schakel.services.register import activity_id_for, activity_uri
from schakel.store import audit_log
from schakel.store.audit_log import CheckpointPolicy
from schakel.store.models import Organisation


class ExportFormat(StrEnum):
    SCHAKEL = "schakel"
    LOGBOEK = "logboek"


@dataclass(frozen=True)
class ExportSummary:
    from_seq: int
    to_seq: int
    entries: int
    key_id: str


def write_export(
    session: Session,
    policy: CheckpointPolicy,
    out: TextIO,
    *,
    from_seq: int = 1,
    fmt: ExportFormat = ExportFormat.SCHAKEL,
) -> ExportSummary:
    """Write the chain from ``from_seq`` to the (freshly signed) head as JSON Lines."""
    if from_seq < 1:
        raise InvalidInput(f"--from: moet 1 of hoger zijn, niet {from_seq}")
    audit_log.append(
        session,
        "audit.export",
        object_type="audit_export",
        detail={"from_seq": from_seq, "format": fmt.value},
    )
    head = audit_log.checkpoint_now(session, policy)
    if head is None:  # unreachable: an entry was appended just above
        raise RuntimeError("auditketen is leeg na het toevoegen van een regel")
    if from_seq > head.seq:
        raise InvalidInput(
            f"--from: regel {from_seq} bestaat niet; de keten loopt tot {head.seq}"
        )
    fingerprint = key_id(policy.key)
    records = audit_log.iter_records(session, from_seq=from_seq)
    lines: Iterator[str]
    if fmt is ExportFormat.SCHAKEL:
        lines = export_lines(
            records,
            audit_log.checkpoints(session, from_seq),
            public_key=public_key_b64(policy.key),
            from_seq=from_seq,
            to_seq=head.seq,
            exported_at=utcnow().isoformat(timespec="seconds"),
        )
    else:
        names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
        lines = (
            canonical_json(
                logboek_record(
                    record,
                    namespace=fingerprint,
                    processing_activity_id=activity_uri(
                        record.org_id, activity_id_for(record)
                    ),
                    organisation=names.get(record.org_id)
                    if record.org_id is not None
                    else None,
                    service_version=schakel.__version__,
                )
            )
            for record in records
        )
    for line in lines:
        out.write(line + "\n")
    return ExportSummary(from_seq, head.seq, head.seq - from_seq + 1, fingerprint)
