"""The audit trail as auditors read it."""

from __future__ import annotations

from typing import Any

import msgspec

from tenants.audit import AuditEntry, ChainReport


class AuditEntryView(msgspec.Struct, frozen=True):
    """One entry of a tenant's hash chain, in the form from which anyone can recompute ``hash``."""

    seq: int
    at: str
    """When it was written, ISO 8601 in UTC."""
    actor_id: int | None
    """The account that acted; ``None`` for an operator at the CLI or the hub itself."""
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryView:
        return msgspec.convert(entry.to_dict(), cls)


class ChainReportView(msgspec.Struct, frozen=True):
    """What walking the chain found; ``ok`` when nothing is wrong."""

    ok: bool
    entries: int
    head_seq: int | None
    head_hash: str | None
    first_broken_seq: int | None
    """The first entry that is missing or not as written."""
    problem: str | None
    """One sentence naming that entry and what is wrong with it."""

    @classmethod
    def of(cls, report: ChainReport) -> ChainReportView:
        return msgspec.convert(report.to_dict(), cls)
