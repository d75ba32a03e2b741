"""The Logboek Dataverwerkingen export links a share across organisations: the
sender's creation and the recipient's follow-up join the trace of the signal, each
naming its parent span."""

import io
import json

from schakel.audit import new_seed
from schakel.services import audit_export
from schakel.store.audit_log import CheckpointPolicy
from schakel.store.tenancy import Scope, scoped_transaction
from tests.services.rights_helpers import (
    save_signal,
    set_share_status,
    share,
    signal_about,
)


def _logboek(world) -> list[dict]:
    out = io.StringIO()
    policy = CheckpointPolicy.from_seed(new_seed())
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        audit_export.write_export(
            session, policy, out, fmt=audit_export.ExportFormat.LOGBOEK
        )
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _attribute(line: dict, key: str) -> object:
    return next((a["value"] for a in line["attributes"] if a["key"] == key), None)


def _find(lines: list[dict], action: str, object_ref: int) -> dict:
    return next(
        line
        for line in lines
        if line["name"] == action
        and _attribute(line, "schakel.object_ref") == str(object_ref)
    )


def test_a_share_and_its_follow_up_join_the_signals_trace(world):
    signal_id = save_signal(world, "utrecht.medewerker", signal_about("Ana", "Spoor"))
    share_id = share(
        world, "utrecht.medewerker", signal_id, world.b.id, serious_danger=True
    )
    set_share_status(world, "avim.medewerker", share_id, "opgepakt_zorgtraject")
    lines = _logboek(world)
    created = _find(lines, "signal.create", signal_id)
    shared = _find(lines, "share.create", share_id)
    followed = _find(lines, "share.status", share_id)

    trace = created["trace_id"]
    assert shared["trace_id"] == followed["trace_id"] == trace
    assert shared["parent_span_id"] == created["span_id"]
    assert followed["parent_span_id"] == shared["span_id"]
    # across organisations: the sender made the share, the recipient followed up
    assert _attribute(shared, "schakel.organisation_id") == world.a.id
    assert _attribute(followed, "schakel.organisation_id") == world.b.id
    # another signal keeps its own trace, with no parent
    other = _find(lines, "signal.create", world.a.records["signal_id"][0])
    assert other["trace_id"] != trace and other["parent_span_id"] is None
