"""Option types shared by the commands."""

from __future__ import annotations

from typing import Annotated

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="The tenant's slug.", show_default=False)]
