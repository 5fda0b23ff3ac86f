"""``hub.core.direct.first_row``: a statement sent on the session's asyncpg connection runs in the
session's transaction (rolled back with it), with its types' bind processing and the literals it was
built with, counted by the engine's listeners, its refusals raised as SQLAlchemy raises them.
``rows_in_autocommit`` does the same on a connection in autocommit, and nothing on one that is not."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Integer, String, bindparam, event, func, literal, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.direct import first_row, rows_in_autocommit

_TABLE = "hub_direct_probe"


@pytest.mark.timeout(60)
async def test_a_direct_statement_is_in_the_sessions_transaction(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        async with session.begin():
            await session.execute(text(f"CREATE TABLE IF NOT EXISTS {_TABLE} (n integer PRIMARY KEY)"))
        try:
            insert = text(f"INSERT INTO {_TABLE} (n) VALUES (:n) RETURNING n, txid_current() AS tx")
            async with session.begin():
                row = await first_row(session, insert, {"n": 7})
                assert row is not None
                assert row.n == 7
                orm_tx = await session.scalar(select(func.txid_current()))
                assert row.tx == orm_tx  # one transaction, whichever way the statement went
                await session.rollback()
            async with session.begin():
                assert await session.scalar(text(f"SELECT count(*) FROM {_TABLE}")) == 0
                await first_row(session, insert, {"n": 8})
                with pytest.raises(DBAPIError) as refused:
                    await first_row(session, insert, {"n": 8})
                orig = refused.value.orig  # SQLSTATE where the web reads it (hub.web.problems)
                assert "23505" in {getattr(e, "sqlstate", None) for e in (orig, orig.__cause__)}
        finally:
            async with session.begin():
                await session.execute(text(f"DROP TABLE {_TABLE}"))


@pytest.mark.timeout(60)
async def test_parameters_are_processed_and_statements_counted(engine: AsyncEngine) -> None:
    statement = select(
        func.jsonb_typeof(bindparam("doc", type_=JSONB)).label("kind"),
        (literal(40, Integer) + bindparam("two", type_=Integer)).label("sum"),
    )
    sent: list[str] = []

    def count(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with AsyncSession(engine) as session, session.begin():
            row = await first_row(session, statement, {"doc": {"a": [1, "b"]}, "two": 2})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert row is not None
    assert (row.kind, row.sum) == ("object", 42)
    assert len(sent) == 1
    assert "jsonb_typeof" in sent[0]


@pytest.mark.timeout(60)
async def test_rows_in_autocommit_are_every_row_outside_a_transaction_block(engine: AsyncEngine) -> None:
    statement = select(
        func.generate_series(1, bindparam("last", type_=Integer)).label("n"),
        literal("kept", String).label("word"),
        func.txid_current_if_assigned().label("tx"),
    )
    sent: list[bool] = []

    def note(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append(conn.connection.driver_connection.is_in_transaction())

    event.listen(engine.sync_engine, "after_cursor_execute", note)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            rows = await rows_in_autocommit(connection, statement, {"last": 3})
            with pytest.raises(DBAPIError) as refused:  # 22012: division by zero, as SQLAlchemy raises it
                await rows_in_autocommit(
                    connection, select(literal(1) / bindparam("zero", type_=Integer)), {"zero": 0}
                )
            orig = refused.value.orig
            assert "22012" in {getattr(e, "sqlstate", None) for e in (orig, orig.__cause__)}
            assert await rows_in_autocommit(connection, statement, {"last": 1}) is not None  # still usable
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", note)
    assert rows is not None
    assert [tuple(r) for r in rows] == [(1, "kept", None), (2, "kept", None), (3, "kept", None)]
    assert sent == [
        False,
        False,
    ]  # counted by the listeners, no transaction block; the refused one: not after


@pytest.mark.timeout(60)
async def test_rows_in_autocommit_send_nothing_on_a_connection_in_a_transaction(engine: AsyncEngine) -> None:
    sent: list[str] = []

    def count(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with engine.connect() as connection:
            assert await rows_in_autocommit(connection, select(literal(1)), {}) is None
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert sent == []  # the caller sends it through SQLAlchemy, which begins the transaction
