"""OCDS publication: release packages from the feed, and a tender's record with its compiled release.

Local ocids are stored without the hub's prefix (``3507-12``) and published with it
(``ocds-lpsehub-3507-12``), so the prefix is a setting. Each stored release is a full snapshot,
so the compiled release is the last one re-labelled: merging all of them by the OCDS merge rules
gives the same (the tests check it with ocdsmerge).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.models import LOCAL, Change
from federation.catalogue.ocds import BIDS_EXTENSION, with_ocid
from hub.core.errors import NotFound

VERSION = "1.1"
PUBLISHER = {"name": "lpse-hub", "uri": "https://github.com/lpse-hub"}
EXTENSIONS = (BIDS_EXTENSION,)
"""The OCDS extensions the releases use, declared in every package (release and record)."""


def public_ocid(prefix: str, local_id: str) -> str:
    return f"{prefix}-{local_id}"


def local_id_of(prefix: str, ocid: str) -> str:
    """The stored id of one of this hub's ocids; ``NotFound`` for any other ocid."""
    if not ocid.startswith(f"{prefix}-"):
        raise NotFound(f"{ocid} is not an ocid of this hub (its prefix is {prefix})")
    return ocid.removeprefix(f"{prefix}-")


def release_package(
    releases: list[dict[str, Any]], uri: str, published: datetime, next_uri: str | None
) -> dict[str, Any]:
    package: dict[str, Any] = {
        "uri": uri,
        "version": VERSION,
        "publishedDate": published.isoformat(),
        "publisher": PUBLISHER,
        "extensions": list(EXTENSIONS),
        "releases": releases,
    }
    if next_uri:
        package["links"] = {"next": next_uri}
    return package


async def releases_of(session: AsyncSession, prefix: str, ocid: str) -> list[dict[str, Any]]:
    local = local_id_of(prefix, ocid)
    rows = await session.execute(
        select(Change).where(Change.origin == LOCAL, Change.ocid == local).order_by(Change.position)
    )
    releases = [with_ocid(c.release, ocid, c.position) for c in rows.scalars()]
    if not releases:
        raise NotFound(f"no published tender {ocid}")
    return releases


def compiled(releases: list[dict[str, Any]]) -> dict[str, Any]:
    last = releases[-1]
    return {**last, "id": f"{last['ocid']}-compiled", "tag": ["compiled"]}


def record_package(releases: list[dict[str, Any]], uri: str, published: datetime) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": published.isoformat(),
        "publisher": PUBLISHER,
        "extensions": list(EXTENSIONS),
        "records": [
            {"ocid": releases[0]["ocid"], "releases": releases, "compiledRelease": compiled(releases)}
        ],
    }
