"""A tenant history with one revision more than the shipped one, for tests and benchmarks.

Its revision uses Alembic's ALTER TABLE operations (``add_column``), which is where a schema
map alone would not reach the tenant's schema.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from hub.core.migrations import TENANT_HISTORY, History

EXTRA_REVISION_ID = "extra0001"
_SCRIPT = textwrap.dedent(
    '''
    """extra: one more tenant migration (a column and an index)"""
    import sqlalchemy as sa
    from hub.core.migrations.op import op
    revision = "{revision}"
    down_revision = {head!r}
    branch_labels = None
    depends_on = None
    def upgrade() -> None:
        op.add_column("agencies", sa.Column("short_name", sa.String(40)), schema="tenant")
        op.create_index("ix_agencies_short_name", "agencies", ["short_name"], schema="tenant")
    def downgrade() -> None:
        op.drop_index("ix_agencies_short_name", table_name="agencies", schema="tenant")
        op.drop_column("agencies", "short_name", schema="tenant")
    '''
)


def history_with_extra_revision(directory: Path) -> History:
    shutil.copytree(TENANT_HISTORY.directory, directory, dirs_exist_ok=True)
    script = _SCRIPT.format(revision=EXTRA_REVISION_ID, head=TENANT_HISTORY.head)
    (directory / "versions" / f"{EXTRA_REVISION_ID}.py").write_text(script)
    return History("tenant", directory)
