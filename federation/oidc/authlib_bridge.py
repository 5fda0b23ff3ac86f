"""How authlib's synchronous code reaches our requests and our database.

authlib's server code is synchronous. It runs inside ``AsyncSession.run_sync``, which hands it a
synchronous ``Session`` whose queries still go through asyncpg (SQLAlchemy's greenlet bridge); the
session is reached through a context variable set per call (``db()``), so one server object
serves every request. The async controller reads each HTTP request in full first
(``CapturedRequest``), since authlib cannot await its body.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from sqlalchemy.orm import Session

session_of_call: ContextVar[Session] = ContextVar("authlib_session")


def db() -> Session:
    """The database session of the authlib call in progress."""
    return session_of_call.get()


class FormPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._values.items() if values}

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._values


class CapturedRequest(OAuth2Request):  # type: ignore[misc]
    """An HTTP request, read in full by the async controller, as authlib wants to see it."""

    family_id: str | None = None
    """The token family the grant issues into (set by the grant, read when its tokens are saved)."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], query: dict[str, list[str]],
                 form: dict[str, list[str]]) -> None:  # fmt: skip
        super().__init__(method, uri, headers=headers)
        self._query, self._form = query, form
        self.payload = FormPayload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._query.items() if v}

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._form.items() if v}
