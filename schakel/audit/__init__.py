"""The audit chain: every entry carries the hash of its predecessor and of itself.

Guarantee: changing, deleting, inserting or reordering any entry breaks the chain at
that entry, and :func:`verify_chain` names the first one that breaks. Entries hold
references and vocabulary values only, never personal data, so erasure of a record
never has to touch the chain.

Signed checkpoints (Ed25519 over ``{seq, hash, signed_at}``) vouch for the chain up
to their ``seq``; :func:`verify_checkpoints` also catches a chain cut off below its
last checkpoint. :func:`export_lines` / :func:`verify_export` give an auditor an
extract that verifies without the database, and :func:`logboek_record` maps an entry
onto the Logboek Dataverwerkingen standard. The register of processing's fixed parts
and the retention policies are data (``register.yaml``, ``retention_policies.yaml``).
"""

from schakel.audit._chain import (
    GENESIS_HASH,
    AuditRecord,
    ChainBreak,
    canonical_json,
    entry_hash,
    verify_chain,
)
from schakel.audit._checkpoint import (
    Checkpoint,
    InvalidSigningKey,
    checkpoint_message,
    key_id,
    new_seed,
    public_key_b64,
    public_key_from_b64,
    sign_checkpoint,
    signature_valid,
    signing_key_from_seed,
    verify_checkpoints,
)
from schakel.audit._export import (
    EXPORT_FORMAT,
    ExportVerification,
    InvalidExport,
    export_lines,
    verify_export,
)
from schakel.audit._logboek import logboek_record, span_id, trace_id
from schakel.audit._register import (
    CitedGround,
    InvalidRegisterData,
    PlatformActivity,
    RegisterBase,
    RetentionPolicies,
    RetentionPolicy,
    SecurityMeasure,
    register_base,
    retention_policies,
)

__all__ = [
    "EXPORT_FORMAT",
    "GENESIS_HASH",
    "AuditRecord",
    "ChainBreak",
    "Checkpoint",
    "CitedGround",
    "ExportVerification",
    "InvalidExport",
    "InvalidRegisterData",
    "InvalidSigningKey",
    "PlatformActivity",
    "RegisterBase",
    "RetentionPolicies",
    "RetentionPolicy",
    "SecurityMeasure",
    "canonical_json",
    "checkpoint_message",
    "entry_hash",
    "export_lines",
    "key_id",
    "logboek_record",
    "new_seed",
    "public_key_b64",
    "public_key_from_b64",
    "register_base",
    "retention_policies",
    "sign_checkpoint",
    "signature_valid",
    "signing_key_from_seed",
    "span_id",
    "trace_id",
    "verify_chain",
    "verify_checkpoints",
    "verify_export",
]
