"""Stored files as the web hands them out: tender documents and objection files, from one store."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Response

from tenants.tenders import PostgresBlobStore

STORE = PostgresBlobStore()
"""Where the hub keeps uploaded files: in the tenant's own schema, beside the rows that name them."""


def content_disposition(name: str) -> str:
    """An attachment named ``name`` (RFC 6266): ``filename*`` carries it exactly, percent-encoded
    UTF-8 (RFC 8187); ``filename`` is an ASCII stand-in for clients without ``filename*``, a quoted
    string with quotes and backslashes escaped and every character outside printable ASCII (control
    characters among them, which would break the header) replaced by ``_``."""
    printable = "".join(c if " " <= c <= "~" else "_" for c in name) or "download"
    fallback = printable.replace("\\", "\\\\").replace('"', '\\"')
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(data: bytes, name: str, content_type: str, sha256: str) -> Response[bytes]:
    """A stored file as an attachment, with the digest it was stored under."""
    return Response(
        data,
        media_type=content_type,
        headers={"Content-Disposition": content_disposition(name), "Digest": f"sha-256={sha256}"},
    )
