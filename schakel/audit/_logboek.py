"""Audit entries in the shape of the Logboek Dataverwerkingen standard (pure).

The Logius standard logs each processing action ("Actie") with a 16-byte
``trace_id``, an 8-byte ``span_id``, an optional ``parent_span_id``, ``name``,
``start_time``/``end_time``, ``status_code``, optional ``foreign_operation`` and
``resource``, and ``attributes`` among which ``dpl.core.processing_activity_id``
points into the register of processing. Schakel's entries carry no such ids, so they
are derived deterministically: the same entry always maps to the same ids, and the
installation's key fingerprint is mixed in so two installations never collide.
``docs/accountability.md`` lists the mapping and what is still uncertain.
"""

import hashlib
from datetime import datetime
from typing import Any

from schakel.audit._chain import AuditRecord

STATUS_UNSET = "STATUS_CODE_UNSET"
STATUS_OK = "STATUS_CODE_OK"

#: Actions refused on the client's side (wrong password ...): "Unset" in the standard.
_UNSET_SUFFIXES = (".failed", ".refused", ".denied")


def _digest(namespace: str, kind: str, value: str, hex_digits: int) -> str:
    text = f"{namespace}|{kind}|{value}".encode()
    return hashlib.sha256(text).hexdigest()[:hex_digits]


def trace_id(namespace: str, record: AuditRecord, key: str | None = None) -> str:
    """32 hex digits (16 bytes); all actions on one object share one trace, or
    on the object named by ``key`` (``"signal:7"``: a share and what the recipient
    does with it join the trace of the signal it came from).

    >>> len(trace_id("k", _example()))
    32
    >>> trace_id("k", _example(), "signal:7") == trace_id("k", _example(), "signal:7")
    True
    """
    if key is None and record.object_type and record.object_ref:
        key = f"{record.object_type}:{record.object_ref}"
    elif key is None:
        key = f"entry:{record.seq}"
    return _digest(namespace, "trace", key, 32)


def span_id(namespace: str, seq: int) -> str:
    """16 hex digits (8 bytes), one per audit entry."""
    return _digest(namespace, "span", str(seq), 16)


def _timestamp(at: str) -> str:
    """ISO 8601 in UTC with millisecond precision, as the standard's ``(ms)`` asks.

    >>> _timestamp("2026-11-22T10:00:01.234567")
    '2026-11-22T10:00:01.234Z'
    """
    moment = datetime.fromisoformat(at)
    return moment.isoformat(timespec="milliseconds") + "Z"


def status_code(action: str) -> str:
    """Entries exist only for committed actions: OK, or Unset for refusals."""
    return STATUS_UNSET if action.endswith(_UNSET_SUFFIXES) else STATUS_OK


def logboek_record(
    record: AuditRecord,
    *,
    namespace: str,
    processing_activity_id: str,
    organisation: str | None,
    service_version: str,
    trace_key: str | None = None,
    parent_seq: int | None = None,
) -> dict[str, Any]:
    """One Logboek line for one audit entry.

    ``trace_key`` and ``parent_seq`` come from the exporter, which knows how
    entries relate (a share to its signal, a recipient's action to the share).
    ``detail`` may carry ``parent_seq`` (the entry that caused this one) and
    ``foreign_trace_id`` / ``foreign_span_id`` / ``foreign_entity`` (the calling
    action at another organisation); both are copied into the standard's fields.
    """
    detail = record.detail or {}
    parent = parent_seq if parent_seq is not None else detail.get("parent_seq")
    foreign: dict[str, Any] | None = None
    if detail.get("foreign_trace_id") and detail.get("foreign_span_id"):
        foreign = {
            "trace_id": detail["foreign_trace_id"],
            "span_id": detail["foreign_span_id"],
            "entity": detail.get("foreign_entity"),
        }
    moment = _timestamp(record.at)
    attributes: list[dict[str, Any]] = [
        {"key": "dpl.core.processing_activity_id", "value": processing_activity_id},
        {"key": "schakel.audit.seq", "value": record.seq},
        {"key": "schakel.audit.hash", "value": record.hash},
    ]
    optional = {
        "schakel.organisation_id": record.org_id,
        "schakel.organisation": organisation,
        "schakel.object_type": record.object_type,
        "schakel.object_ref": record.object_ref,
        "schakel.ruleset_version": record.ruleset_version,
    }
    attributes += [{"key": k, "value": v} for k, v in optional.items() if v is not None]
    return {
        "trace_id": trace_id(namespace, record, trace_key),
        "span_id": span_id(namespace, record.seq),
        "parent_span_id": (
            span_id(namespace, int(parent)) if isinstance(parent, int) else None
        ),
        "name": record.action,
        "start_time": moment,
        "end_time": moment,
        "status_code": status_code(record.action),
        "foreign_operation": foreign,
        "resource": {
            "attributes": [
                {"key": "service.name", "value": "schakel"},
                {"key": "service.version", "value": service_version},
            ]
        },
        "attributes": attributes,
    }


def _example() -> AuditRecord:
    return AuditRecord(1, "2026-11-22T10:00:00", "login", 1, 1, None, None, None)
