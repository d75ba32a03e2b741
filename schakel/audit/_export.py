"""A verifiable extract of the audit chain for an external auditor (pure).

The extract is JSON Lines: one ``header`` line (format, range, the public key), the
``entry`` lines in chain order, then the ``checkpoint`` lines that cover them. It can
be checked with nothing but the file: the entries must chain, and the signed
checkpoints must match the entries at their ``seq``. Because every hash covers its
predecessor, a checkpoint at the last entry vouches for the whole extract.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from schakel.audit._chain import AuditRecord, ChainBreak, canonical_json, verify_chain
from schakel.audit._checkpoint import (
    Checkpoint,
    InvalidSigningKey,
    key_id,
    public_key_from_b64,
    verify_checkpoints,
)
from schakel.errors import InvalidInput

EXPORT_FORMAT = "schakel-audit-export"
EXPORT_VERSION = 1

_ENTRY_FIELDS = (
    "seq",
    "at",
    "action",
    "actor_user_id",
    "org_id",
    "object_type",
    "object_ref",
    "ruleset_version",
    "detail",
    "prev_hash",
    "hash",
)
_CHECKPOINT_FIELDS = ("seq", "hash", "signed_at", "key_id", "signature")


class InvalidExport(InvalidInput):
    """The extract file is not in the export format (names the line)."""


def export_lines(
    records: Iterable[AuditRecord],
    checkpoints: Iterable[Checkpoint],
    *,
    public_key: str,
    from_seq: int,
    to_seq: int,
    exported_at: str,
) -> Iterator[str]:
    """The extract, line by line (each line is canonical JSON, no newline)."""
    header = {
        "type": "header",
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at,
        "from_seq": from_seq,
        "to_seq": to_seq,
        "public_key": public_key,
        "key_id": key_id(public_key_from_b64(public_key)),
    }
    yield canonical_json(header)
    for record in records:
        yield canonical_json({"type": "entry", **record.body(), "hash": record.hash})
    for checkpoint in checkpoints:
        yield canonical_json({"type": "checkpoint", **checkpoint.as_dict()})


@dataclass(frozen=True)
class ExportVerification:
    """What an extract proves. ``broken`` is ``None`` only when everything holds."""

    from_seq: int
    to_seq: int
    entries: int
    checkpoints: int
    signed_up_to: int
    key_id: str
    broken: ChainBreak | None


def _fields(raw: dict[str, Any], names: tuple[str, ...], line: int) -> dict[str, Any]:
    missing = [n for n in names if n not in raw]
    if missing:
        raise InvalidExport(f"regel {line}: veld(en) ontbreken: {', '.join(missing)}")
    return {n: raw[n] for n in names}


def _parse(
    lines: Iterable[str],
) -> tuple[dict[str, Any], list[AuditRecord], list[Checkpoint]]:
    header: dict[str, Any] | None = None
    records: list[AuditRecord] = []
    checkpoints: list[Checkpoint] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidExport(
                f"regel {number}: geen geldige JSON ({exc.msg})"
            ) from exc
        if not isinstance(raw, dict):
            raise InvalidExport(f"regel {number}: verwacht een JSON-object")
        kind = raw.get("type")
        if header is None:
            if kind != "header" or raw.get("format") != EXPORT_FORMAT:
                raise InvalidExport(
                    f"regel {number}: eerste regel moet de kop zijn "
                    f"(type 'header', format '{EXPORT_FORMAT}')"
                )
            if raw.get("version") != EXPORT_VERSION:
                raise InvalidExport(
                    f"regel {number}: onbekende versie {raw.get('version')!r}"
                )
            header = _fields(
                raw, ("from_seq", "to_seq", "public_key", "exported_at"), number
            )
        elif kind == "entry":
            try:
                records.append(AuditRecord(**_fields(raw, _ENTRY_FIELDS, number)))
            except TypeError as exc:
                raise InvalidExport(f"regel {number}: ongeldige regel") from exc
        elif kind == "checkpoint":
            checkpoints.append(Checkpoint(**_fields(raw, _CHECKPOINT_FIELDS, number)))
        else:
            raise InvalidExport(f"regel {number}: onbekend type {kind!r}")
    if header is None:
        raise InvalidExport("het bestand is leeg: geen kopregel")
    return header, records, checkpoints


def verify_export(
    lines: Iterable[str], *, expected_public_key: str | None = None
) -> ExportVerification:
    """Verify an extract without a database.

    ``expected_public_key`` pins the key the auditor obtained separately; without
    it the key in the file is trusted, which proves integrity but not origin.
    Raises :class:`InvalidExport` for a file that is not an extract at all.
    """
    header, records, checkpoints = _parse(lines)
    from_seq, to_seq = int(header["from_seq"]), int(header["to_seq"])
    try:
        public = public_key_from_b64(str(header["public_key"]))
    except InvalidSigningKey as exc:
        raise InvalidExport(f"kopregel: {exc}") from exc
    fingerprint = key_id(public)
    signed_up_to = max((c.seq for c in checkpoints), default=0)

    def result(broken: ChainBreak | None) -> ExportVerification:
        return ExportVerification(
            from_seq,
            to_seq,
            len(records),
            len(checkpoints),
            signed_up_to,
            fingerprint,
            broken,
        )

    if expected_public_key is not None:
        try:
            pinned = key_id(public_key_from_b64(expected_public_key))
        except InvalidSigningKey as exc:
            raise InvalidExport(f"--public-key: {exc}") from exc
        if pinned != fingerprint:
            return result(
                ChainBreak(
                    from_seq,
                    f"extract is ondertekend met sleutel {fingerprint}, "
                    f"verwacht {pinned}",
                )
            )
    if not records:
        return result(ChainBreak(from_seq, "extract bevat geen regels"))
    broken = verify_chain(records, start_seq=from_seq, start_hash=records[0].prev_hash)
    if broken is not None:
        return result(broken)
    last = records[-1].seq
    if last != to_seq:
        return result(
            ChainBreak(last, f"extract eindigt bij regel {last}, kop zegt {to_seq}")
        )
    hashes = {r.seq: r.hash for r in records}
    broken = verify_checkpoints(
        [c for c in checkpoints if c.seq >= from_seq], public, hashes.get, last
    )
    if broken is not None:
        return result(broken)
    if signed_up_to < last:
        return result(
            ChainBreak(
                max(signed_up_to + 1, from_seq),
                f"regels {max(signed_up_to + 1, from_seq)} t/m {last} vallen niet "
                "onder een ondertekend controlepunt",
            )
        )
    return result(None)
