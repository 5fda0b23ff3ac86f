"""Reading checkpoints saved elsewhere, for ``lpse-hub audit verify --checkpoints``: a JSON file or a
URL holding a list of checkpoints (``GET /api/audit/checkpoints`` of a hub, or what a peer hub keeps
of this one's, ``GET /api/peers/{peer}/checkpoints``) or a page of the change feed (its
``audit.checkpoint`` entries; the others are skipped)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from federation.catalogue.feed import CHECKPOINT
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
    if isinstance(items, dict) and isinstance(items.get("entries"), list):
        items = [
            e.get("checkpoint")
            for e in items["entries"]
            if isinstance(e, dict) and e.get("kind") == CHECKPOINT
        ]
    if not isinstance(items, list):
        raise InvalidInput(
            f"{source} is neither a JSON list of checkpoints nor a feed page", field="checkpoints"
        )
    return [SavedCheckpoint.parse(item) for item in items]
