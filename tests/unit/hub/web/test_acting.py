"""Who acts on a route machines may take too: a machine client only in the tenant it was registered for."""

from __future__ import annotations

from typing import Any

import pytest

from federation.identity.actor import ClientActor
from federation.identity.caller import Caller
from federation.identity.policy import Action
from hub.core.errors import Forbidden
from hub.web.dependencies import provide_acting
from tenants.registry import TenantRef

MALANG = TenantRef(7, "kab-malang", "3507", "Kabupaten Malang", "Asia/Jakarta", "active", None)


def machine(tenant_id: int | None) -> Caller:
    return Caller(None, "e-monev", frozenset({"monev:write"}), "jti", tenant_id=tenant_id)


async def test_a_machine_client_acts_as_itself_in_its_own_tenant() -> None:
    acting = await provide_acting(request=Any, caller=machine(MALANG.id), tenant=MALANG)  # type: ignore[arg-type]
    assert acting == ClientActor("e-monev", MALANG)
    assert (acting.recorded_by, acting.recorded_by_client) == (None, "e-monev")


@pytest.mark.parametrize("tenant_id", [8, None], ids=["another tenant's", "no tenant's"])
async def test_a_machine_client_of_another_tenant_or_of_none_is_refused(tenant_id: int | None) -> None:
    with pytest.raises(Forbidden, match="another tenant, or for none"):
        await provide_acting(request=Any, caller=machine(tenant_id), tenant=MALANG)  # type: ignore[arg-type]


async def test_a_client_acting_as_itself_takes_only_what_machines_may() -> None:
    client = ClientActor.operator(MALANG)
    await client.require(None, Action.PLAN_RECORD)  # type: ignore[arg-type]
    await client.require(None, Action.CONTRACT_MONITOR)  # type: ignore[arg-type]
    with pytest.raises(Forbidden, match="needs a person"):
        await client.require(None, Action.CONTRACT_SIGN)  # type: ignore[arg-type]
