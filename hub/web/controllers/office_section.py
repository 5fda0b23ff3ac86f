"""The door of one section of a tenant's office: the office's own refusal first (login, no seat),
then a 403 page for an official whose roles do not open the section. The services still check the
policy on every change; this keeps a page from being shown to whom its forms would be refused."""

from __future__ import annotations

from litestar.response import Redirect, Template

from hub.web.controllers.office import Office
from hub.web.portal.office import SECTIONS


def section_refusal(office: Office, path: str) -> Template | Redirect | None:
    """Why the section at ``path`` (``langsung``, ``admin``, ...) is not for this request, or ``None``."""
    return office.refusal(next(s for s in SECTIONS if s.path == path).action)
