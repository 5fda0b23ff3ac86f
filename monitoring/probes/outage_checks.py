"""After a probe round: extend the deadlines an outage that just ended reached (issue 21).

An outage ends, as the probes see it, when a tenant found down by the previous round is found up
(its run of failed probes is closed), or when a round comes after a gap of more than three probe
intervals (the hub was not running: every tenant's deadlines). Only those tenants are checked, each
in a transaction of its own; what goes wrong for one is logged and the others carry on. The opening
checks again in its own transaction (``tenants.tenders.outages.extend_before_opening``), so a
check missed here costs bidders nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import tenant_session
from hub.core.errors import HubError
from monitoring.probes.models import ProbeResult
from tenants.registry import Tenant, TenantRef
from tenants.tenders.outages import OutageRule, extend_deadlines

logger = logging.getLogger("hub.probes")


def ended_outages(
    previous: Mapping[str, ProbeResult], results: Sequence[ProbeResult], at: datetime, rule: OutageRule
) -> set[str]:
    """The codes of the tenants whose outage this round (at ``at``) ended."""
    last_round = max((r.probed_at for r in previous.values()), default=None)
    if rule.hub_gap is not None and last_round is not None and at - last_round > rule.hub_gap:
        return {r.tenant_code for r in results}
    return {
        r.tenant_code
        for r in results
        if r.up and r.tenant_code in previous and not previous[r.tenant_code].up
    }


async def extend_after_round(
    engine: AsyncEngine, tenants: Sequence[Tenant], codes: set[str], rule: OutageRule
) -> None:
    for tenant in tenants:
        if tenant.code not in codes:
            continue
        ref = TenantRef(
            tenant.id,
            tenant.slug,
            tenant.code,
            tenant.name,
            tenant.timezone,
            tenant.status,
            tenant.status_reason,
        )
        try:
            async with tenant_session(engine, tenant.schema) as session, session.begin():
                for done in await extend_deadlines(session, ref, rule):
                    logger.warning(
                        "tenant %s: tender %d's bid submission extended to %s after an outage",
                        tenant.slug,
                        done.tender_id,
                        done.new_end.isoformat(),
                    )
        except (HubError, SQLAlchemyError):  # one tenant's failure never costs the others their check
            logger.exception("outage check of tenant %s failed", tenant.slug)
