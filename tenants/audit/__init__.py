"""The audit trail (*jejak audit*): each tenant's append-only, hash-chained log of what happened.

Procurement is accountable only if every step can be traced afterwards: who announced a
tender, who opened the bids and when, who decided the award. Each tenant keeps that record in
its own schema, each entry written in the same transaction as the change it records
(``append_audit``) and chained to the one before by its hash, so editing, deleting or
reordering an entry shows (``verify_chain``). The head of each chain is copied into ``hub``
from time to time (``anchor_chain``), so cutting off the newest entries or rewriting the whole
log shows too; and it is signed and published as a checkpoint (``checkpoint_chain``) that outsiders
keep, so a rewrite of log and anchors together shows as well (the vendor key log's head is
checkpointed the same way, under the reserved name ``KEY_LOG_CHAIN``). Hashing is defined once, in
``tenants.audit.canonical``.
"""

from tenants.audit.canonical import GENESIS_HASH, canonical_json, entry_hash, json_payload
from tenants.audit.chain import (
    Along,
    Recorded,
    anchor_chain,
    append_audit,
    append_audits,
    append_audits_by,
    read_audit,
    tenant_code,
    tenant_schema,
)
from tenants.audit.checkpoints import (
    KEY_LOG_CHAIN,
    ChainedLog,
    SavedCheckpoint,
    chain_label,
    checkpoint_chain,
    checkpoint_log,
    checkpoint_message,
    checkpoint_public_keys,
    checkpoint_signer,
    compare_checkpoints,
    compare_log,
    list_checkpoints,
    rewrap_checkpoint_keys,
    signature_valid,
)
from tenants.audit.models import Anchor, AuditEntry, Checkpoint, CheckpointKey
from tenants.audit.sweep import (
    TenantAnchor,
    TenantChain,
    TenantCheckpoint,
    anchor_tenants,
    checkpoint_tenants,
    compare_tenants,
    verify_tenants,
)
from tenants.audit.verification import ChainReport, verify_chain

__all__ = [
    "GENESIS_HASH",
    "KEY_LOG_CHAIN",
    "Along",
    "Anchor",
    "AuditEntry",
    "ChainReport",
    "ChainedLog",
    "Checkpoint",
    "CheckpointKey",
    "Recorded",
    "SavedCheckpoint",
    "TenantAnchor",
    "TenantChain",
    "TenantCheckpoint",
    "anchor_chain",
    "anchor_tenants",
    "append_audit",
    "append_audits",
    "append_audits_by",
    "canonical_json",
    "chain_label",
    "checkpoint_chain",
    "checkpoint_log",
    "checkpoint_message",
    "checkpoint_public_keys",
    "checkpoint_signer",
    "checkpoint_tenants",
    "compare_checkpoints",
    "compare_log",
    "compare_tenants",
    "entry_hash",
    "json_payload",
    "list_checkpoints",
    "read_audit",
    "rewrap_checkpoint_keys",
    "signature_valid",
    "tenant_code",
    "tenant_schema",
    "verify_chain",
    "verify_tenants",
]
