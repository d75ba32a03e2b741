"""Extracts of the audit chain for an external auditor, and a Logboek export.

Exporting is itself audited, and the head is signed first, so a fresh extract is
always covered by a checkpoint at its last entry and verifies on its own with
``schakel audit verify-export``.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

import schakel
from schakel.audit import (
    AuditRecord,
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
from schakel.store.models import Organisation, Share


class ExportFormat(StrEnum):
    SCHAKEL = "schakel"
    LOGBOEK = "logboek"


@dataclass(frozen=True)
class ExportSummary:
    from_seq: int
    to_seq: int
    entries: int
    key_id: str


class _ShareLineage:
    """How the Logboek lines of shares hang together, across organisations.

    A share's actions (``share.create`` at the sender; ``share.view``,
    ``share.status`` ... at the recipient) join the trace of the signal it came
    from, and each names its parent span: the share's creation for the
    recipient's actions, the signal's creation (or the import batch that created
    it) for the share's creation. Built while the entries stream past in chain
    order, remembering only signals that were shared.
    """

    def __init__(self, session: Session) -> None:
        self.signal_of: dict[int, int] = {
            int(share_id): int(signal_id)
            for share_id, signal_id in session.execute(
                select(Share.id, Share.signal_id)
            )
        }
        self._shared = set(self.signal_of.values())
        self._signal_created: dict[int, int] = {}
        self._share_created: dict[int, int] = {}

    def place(self, record: AuditRecord) -> tuple[str | None, int | None]:
        """``(trace key, parent seq)`` for one entry, in chain order."""
        if record.action == "signal.create" and record.object_ref:
            signal_id = int(record.object_ref)
            if signal_id in self._shared:
                self._signal_created.setdefault(signal_id, record.seq)
        elif record.action == "signal.import.batch":
            for imported in (record.detail or {}).get("signal_ids", ()):
                if imported in self._shared:
                    self._signal_created.setdefault(int(imported), record.seq)
        if record.object_type != "share" or not record.object_ref:
            return None, None
        share_id = int(record.object_ref)
        source = self.signal_of.get(share_id)
        if source is None:  # not in the table any more: its own trace
            return None, None
        if record.action == "share.create":
            self._share_created.setdefault(share_id, record.seq)
            return f"signal:{source}", self._signal_created.get(source)
        return f"signal:{source}", self._share_created.get(share_id)


def _logboek_lines(
    session: Session, records: Iterable[AuditRecord], fingerprint: str
) -> Iterator[str]:
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    lineage = _ShareLineage(session)
    for record in records:
        trace_key, parent_seq = lineage.place(record)
        yield canonical_json(
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
                trace_key=trace_key,
                parent_seq=parent_seq,
            )
        )


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
        lines = _logboek_lines(session, records, fingerprint)
    for line in lines:
        out.write(line + "\n")
    return ExportSummary(from_seq, head.seq, head.seq - from_seq + 1, fingerprint)
