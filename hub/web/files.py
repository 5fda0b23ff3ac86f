"""Stored files as the web hands them out: tender documents and objection files, from one store."""

from __future__ import annotations

from litestar import Response

from tenants.tenders import PostgresBlobStore

STORE = PostgresBlobStore()
"""Where the hub keeps uploaded files: in the tenant's own schema, beside the rows that name them."""


def file_response(data: bytes, name: str, content_type: str, sha256: str) -> Response[bytes]:
    """A stored file as an attachment, with the digest it was stored under."""
    return Response(
        data,
        media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Digest": f"sha-256={sha256}"},
    )
