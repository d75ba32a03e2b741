"""Pure hash-chain logic (no IO): canonical form, hashing, verification."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as it is hashed. ``detail`` holds no personal data."""

    seq: int
    at: str
    action: str
    actor_user_id: int | None
    org_id: int | None
    object_type: str | None
    object_ref: str | None
    ruleset_version: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The hashed content: everything except the entry's own hash."""
        return {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "actor_user_id": self.actor_user_id,
            "org_id": self.org_id,
            "object_type": self.object_type,
            "object_ref": self.object_ref,
            "ruleset_version": self.ruleset_version,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8: the same bytes on every machine.

    >>> canonical_json({"b": 1, "a": [1, "é"]})
    '{"a":[1,"é"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(record: AuditRecord) -> str:
    """SHA-256 of the canonical JSON of the record's body (which includes prev_hash)."""
    return hashlib.sha256(canonical_json(record.body()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """Where and why verification failed."""

    seq: int
    reason: str


def verify_chain(
    records: Iterable[AuditRecord],
    *,
    start_seq: int = 1,
    start_hash: str = GENESIS_HASH,
) -> ChainBreak | None:
    """Check the chain in order; return the first break or ``None`` when intact.

    Sequence numbers must run 1, 2, 3, ... without gaps, so a deleted or reordered
    entry is caught even if someone recomputed the hashes after it. An extract that
    starts later passes its first ``seq`` and that entry's ``prev_hash``; the part
    before it is then vouched for only by a signed checkpoint (see ``_checkpoint``).
    """
    previous = start_hash
    expected_seq = start_seq
    for record in records:
        if record.seq != expected_seq:
            return ChainBreak(
                record.seq, f"volgnummer {record.seq}, verwacht {expected_seq}"
            )
        if record.prev_hash != previous:
            return ChainBreak(record.seq, "verwijzing naar vorige regel klopt niet")
        if entry_hash(record) != record.hash:
            return ChainBreak(record.seq, "inhoud gewijzigd (hash klopt niet)")
        previous = record.hash
        expected_seq += 1
    return None
