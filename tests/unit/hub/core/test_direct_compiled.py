"""``hub.core.direct`` compiles a statement once per tenant schema only if it names a tenant table
(issue 20): a statement of ``hub`` tables alone is the same SQL in every tenant's session."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import asyncpg

from federation.identity.models import Account
from hub.core.direct import compiled, reaches_tenant
from tenants.tenders.models import Registration, Tender

DIALECT = asyncpg.dialect()  # type: ignore[no-untyped-call]


def test_a_statement_of_hub_tables_reaches_no_tenant() -> None:
    assert not reaches_tenant(select(Account.id).where(Account.id == 1), DIALECT)
    assert not reaches_tenant(text("SELECT * FROM hub.audit_append(:schema)"), DIALECT)


def test_a_statement_naming_a_tenant_table_is_compiled_into_each_schema() -> None:
    joined = select(Account.vendor_id, Registration.tender_id).join(
        Registration, Registration.vendor_id == Account.vendor_id
    )
    for statement in (select(Tender.id), joined):
        assert reaches_tenant(statement, DIALECT)
        one, other = compiled(statement, "t_3507", DIALECT).sql, compiled(statement, "t_3508", DIALECT).sql
        assert "t_3507." in one
        assert "t_3508." in other
        assert "t_3507." not in other
