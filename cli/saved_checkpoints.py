"""Reading checkpoints saved elsewhere, for ``lpse-hub audit verify --checkpoints``: a JSON file
(a copy of ``GET /api/audit/checkpoints``) or the URL of a hub's (or an aggregator's) such list."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from hub.core.errors import InvalidInput
from tenants.audit import SavedCheckpoint

TIMEOUT_SECONDS = 30.0


def load_saved_checkpoints(source: str) -> list[SavedCheckpoint]:
    """The checkpoints in ``source`` (``http(s)://...`` or a file's path); ``InvalidInput`` when it
    cannot be read or is not a JSON list of checkpoints."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=TIMEOUT_SECONDS, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise InvalidInput(f"checkpoints not fetched from {source}: {exc}", field="checkpoints") from None
        text = response.text
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            reason = f"checkpoints not read from {source}: {exc.strerror}"
            raise InvalidInput(reason, field="checkpoints") from None
    try:
        items = json.loads(text)
    except ValueError:
        raise InvalidInput(f"{source} is not JSON", field="checkpoints") from None
    if not isinstance(items, list):
        raise InvalidInput(f"{source} is not a JSON list of checkpoints", field="checkpoints")
    return [SavedCheckpoint.parse(item) for item in items]
