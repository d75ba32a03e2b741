"""The audit chain: every entry carries the hash of its predecessor and of itself.

Guarantee: changing, deleting, inserting or reordering any entry breaks the chain at
that entry, and :func:`verify_chain` names the first one that breaks. Entries hold
references and vocabulary values only, never personal data, so erasure of a record
never has to touch the chain.
"""

from schakel.audit._chain import (
    GENESIS_HASH,
    AuditRecord,
    ChainBreak,
    canonical_json,
    entry_hash,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "AuditRecord",
    "ChainBreak",
    "canonical_json",
    "entry_hash",
    "verify_chain",
]
