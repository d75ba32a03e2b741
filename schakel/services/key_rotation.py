"""Re-encrypt every encrypted value under the current key (``schakel keys rotate``).

Runs in one system-scoped transaction: either every value is under the new key or
none changed. Old keys stay able to decrypt until the rotation has committed.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.services import gate, rights
from schakel.services.keys import KeyMaterial
from schakel.services.signals import CONTENT_CONTEXT
from schakel.store import audit_log
from schakel.store.models import Signal


def reencrypt_all(session: Session, keys: KeyMaterial) -> dict[str, int]:
    """Counts of re-encrypted values per table; one audit entry for the batch."""
    signals = 0
    for row in session.scalars(select(Signal)):
        if row.content_enc and keys.keyring.needs_rotation(row.content_enc):
            row.content_enc = keys.keyring.rotate(row.content_enc, CONTENT_CONTEXT)
            signals += 1
    counts = {
        "signals": signals,
        "shares": gate.rotate_payloads(session, keys),
        "rights_requests": rights.rotate_encrypted(session, keys),
    }
    audit_log.append(
        session,
        "keys.rotate",
        object_type="keyring",
        object_ref=keys.keyring.current_id,
        detail=counts,
    )
    return counts
