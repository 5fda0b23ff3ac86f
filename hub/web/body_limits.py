"""How large a request body each route takes: the one table of them.

Litestar's own default (10 MB on every route) is replaced by ``JSON_BODY_BYTES`` for the whole app;
the routes that take files name their limit here and pass it as ``request_max_body_size``. Litestar
answers 413 from the ``Content-Length`` header before reading anything, and counts a chunked body as
it streams (``litestar.connection.Request.stream``). The per-file limits are the services' own
(``MAX_DOCUMENT_BYTES``, ``MAX_BUNDLE_BYTES``): a form may not carry a larger file than the service
would store, and the form's framing is all it adds.

README.md ("Issue 14: request sizes") and the Helm chart's ingress body size repeat these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenants.tenders.award.objections import MAX_FILES
from tenants.tenders.bidding.bids import MAX_BUNDLE_BYTES
from tenants.tenders.documents import MAX_DOCUMENT_BYTES

JSON_BODY_BYTES = 64 * 1024
"""Every route that takes JSON or a URL-encoded form (the app's default): the largest of them, a
list of assessments, is a few kilobytes."""

PLAN_BODY_BYTES = 4 * 1024 * 1024
"""A batch of plan items (``POST /api/plans``): a regency's plan for a year, a few thousand items of
a few hundred bytes each (``tenants.plans.recording.MAX_ITEMS``: 5,000)."""

FORM_OVERHEAD = 64 * 1024
"""What a multipart form adds around its files: boundaries, part headers, the small text fields."""

TEXT_FIELD_BYTES = 96 * 1024
"""One text field of a multipart form, at most: an objection's grounds (20,000 characters, up to
80 KB in UTF-8) is the longest."""


@dataclass(frozen=True, slots=True)
class FormLimits:
    """What one multipart route takes: the whole body, each file, and how many parts."""

    body: int
    file: int
    parts: int


DOCUMENT_FORM = FormLimits(body=MAX_DOCUMENT_BYTES + FORM_OVERHEAD, file=MAX_DOCUMENT_BYTES, parts=4)
"""A tender document (20 MiB)."""

SEALED_BY_HUB_FORM = FormLimits(body=MAX_BUNDLE_BYTES, file=MAX_BUNDLE_BYTES, parts=64)
"""Files and price for the hub to seal: no more than the bundle they become may hold (64 MiB)."""

OBJECTION_FORM = FormLimits(
    body=MAX_FILES * MAX_DOCUMENT_BYTES + TEXT_FIELD_BYTES + FORM_OVERHEAD,
    file=MAX_DOCUMENT_BYTES,
    parts=MAX_FILES + 4,
)
"""An objection's grounds and its documents (5 of 20 MiB)."""

BUNDLE_BODY_BYTES = MAX_BUNDLE_BYTES
"""A bid sealed on the vendor's machine, as the body itself (64 MiB)."""
