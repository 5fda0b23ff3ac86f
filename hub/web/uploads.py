"""Files sent to the hub: read only once the caller may send them, streamed to disk, a few at a time.

A route that takes files reads its body itself (it takes ``request``, not a ``data`` body), so that
Litestar decides everything the headers can decide first: the token (401), its scope (403), the
tenant (404, 503) and the caller's role (403, the ``actor`` dependency). Only then does the handler
open ``received_form`` or ``received_body``, which

- wait for one of the process's upload slots (``Uploads``): at most ``upload_slots`` uploads are
  read and stored at once, because storing one holds its largest file in memory; a request that
  finds none free within ``upload_wait_seconds`` is answered 503 with ``Retry-After``. It waits
  (rather than being refused at once) because its body costs nothing while it waits: the server
  stops reading the socket once a few kilobytes are buffered, and an upload that arrives during a
  short burst (bids near the deadline) should not have to be sent again;
- stream the body through ``multipart``'s push parser (the one Litestar uses itself), each file
  into a temporary file under ``<data dir>/uploads`` that holds only ``SPOOL_BYTES`` in memory;
- refuse, naming the field: a file or a text field beyond the route's limit (413), a text field that
  is not UTF-8 (400), a file name with control characters (400; CR and LF would break a header).

Litestar answers 413 before reading anything when ``Content-Length`` exceeds the route's limit and
counts a chunked body as it streams (``Request.stream``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import Any
from urllib.parse import parse_qsl

import anyio
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from multipart import (  # type: ignore[import-untyped]
    MultipartSegment,
    ParserError,
    ParserLimitReached,
    PushMultipartParser,
)

from hub.core.errors import InvalidInput
from hub.web.body_limits import FORM_OVERHEAD, TEXT_FIELD_BYTES, FormLimits
from hub.web.edge import refuse_control_characters

SPOOL_BYTES = 64 * 1024
"""What a received file keeps in memory before it moves to disk."""
IN_MEMORY_BODY_BYTES = 1024 * 1024
"""A whole body (``received_body``) up to this size is kept in memory, never spooled."""

Spool = SpooledTemporaryFile[bytes]


class Uploads:
    """The process's upload slots, and the directory received files are spooled to."""

    def __init__(self, slots: int, wait_seconds: float, spool_dir: Path) -> None:
        self._slots = asyncio.Semaphore(slots)
        self.wait_seconds = wait_seconds
        self.spool_dir = spool_dir

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise HTTPException(
                status_code=503,
                detail="The hub is taking as many uploads as it can; send this one again shortly.",
                headers={"Retry-After": "10"},
            ) from None
        try:
            yield
        finally:
            self._slots.release()

    def spool(self) -> Spool:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        return SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b", dir=str(self.spool_dir))


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """One file of a form, on disk (or in memory while it is small)."""

    field: str
    name: str
    """As the client named it: control characters refused, nothing else changed."""
    content_type: str
    size: int
    spool: Spool

    async def read(self) -> bytes:
        """The whole file: call it inside the upload slot, as the service is about to store it."""
        return await _whole(self.spool)


async def _whole(spool: Spool) -> bytes:
    def read() -> bytes:
        spool.seek(0)
        return spool.read()

    return await anyio.to_thread.run_sync(read)


@dataclass(slots=True)
class ReceivedForm:
    """A form's text fields (UTF-8, checked) and files."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        values = self.texts.get(name)
        return values[0] if values else None

    def files_of(self, name: str) -> list[ReceivedFile]:
        return [f for f in self.files if f.field == name]

    def one_file(self, name: str) -> ReceivedFile:
        files = self.files_of(name)
        if len(files) != 1:
            raise InvalidInput(f"the form needs one file in {name!r}", field=name)
        return files[0]


def too_large(what: str, limit: int, name: str | None = None) -> HTTPException:
    extra = {"field": name} if name else None
    return HTTPException(status_code=413, detail=f"{what} is larger than {limit:,} bytes", extra=extra)


def utf8_text(name: str, raw: bytes) -> str:
    """A text field's value: UTF-8, and free of control characters but tab and line breaks (the
    edge's rule for every form, applied here because upload routes read their own bodies)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"the form field {name!r} is not valid UTF-8", field=name) from None
    refuse_control_characters(name, name)
    refuse_control_characters(text, name, free_text=True)
    return text


def file_name(name: str, filename: str) -> str:
    """The client's file name, refused when it holds control characters (CR, LF, NUL, ...)."""
    refuse_control_characters(filename, name)
    return filename


def refuse_announced_excess(request: Request[Any, Any, Any]) -> None:
    """413 at once for a body whose ``Content-Length`` is beyond the route's limit, rather than after
    waiting for a slot (Litestar would refuse it too, but only once the body is asked for)."""
    limit = request.route_handler.resolve_request_max_body_size()
    if limit is not None and (request.content_length or 0) > limit:
        raise too_large("the request body", limit)


@asynccontextmanager
async def received_form(request: Request[Any, Any, Any], limits: FormLimits) -> AsyncIterator[ReceivedForm]:
    """The request's form (multipart, or URL-encoded without files), read within an upload slot;
    its files are removed from disk when the block ends."""
    uploads: Uploads = request.app.state.uploads
    refuse_announced_excess(request)
    async with uploads.slot():
        with ExitStack() as spools:
            content_type, options = request.content_type
            if content_type == RequestEncodingType.URL_ENCODED:
                yield await _url_encoded(request)
            elif content_type == RequestEncodingType.MULTI_PART and options.get("boundary"):
                yield await _multipart(request, options["boundary"].encode(), limits, uploads, spools)
            else:
                raise InvalidInput("this takes a multipart/form-data body", field="Content-Type")


@asynccontextmanager
async def received_body(request: Request[Any, Any, Any]) -> AsyncIterator[bytes]:
    """The request's whole body (the route's limit applies), read within an upload slot.

    A body of at most ``IN_MEMORY_BODY_BYTES`` (a sealed bid of a few hundred KiB: the deadline
    rush's every request) is joined in memory, where it ends up anyway; a larger one is spooled to
    disk as it arrives and read back once, rather than joined from a list of many chunks. Spooling
    the rush's bids cost a temporary file and a worker thread's turn each (issue 20)."""
    uploads: Uploads = request.app.state.uploads
    refuse_announced_excess(request)
    async with uploads.slot():
        chunks: list[bytes] = []
        size = 0
        with ExitStack() as stack:
            spool: Spool | None = None
            async for chunk in request.stream():
                size += len(chunk)
                if spool is None and size > IN_MEMORY_BODY_BYTES:
                    spool = stack.enter_context(uploads.spool())
                    spool.writelines(chunks)
                    chunks = []
                if spool is None:
                    chunks.append(chunk)
                else:
                    spool.write(chunk)  # into the page cache: microseconds, not worth a thread
            yield b"".join(chunks) if spool is None else await _whole(spool)


async def _url_encoded(request: Request[Any, Any, Any]) -> ReceivedForm:
    limit = 3 * TEXT_FIELD_BYTES + FORM_OVERHEAD  # percent-encoding triples a byte at most
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large("a URL-encoded form", limit)
    form = ReceivedForm()
    # latin-1 maps every byte to one character, so each value is checked as UTF-8 with its name
    for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1"):
        form.texts.setdefault(name, []).append(utf8_text(name, value.encode("latin-1")))
    return form


class _Parts:
    """The form the parser's events build, one part at a time: a text in memory (bounded), a file
    in its spool."""

    def __init__(self, uploads: Uploads, spools: ExitStack) -> None:
        self.form, self.uploads, self.spools = ReceivedForm(), uploads, spools
        self.segment: MultipartSegment | None = None
        self.text = bytearray()
        self.spool: Spool | None = None

    def take(self, event: MultipartSegment | bytes | None) -> None:
        if isinstance(event, MultipartSegment):
            self.segment, self.text = event, bytearray()
            if event.filename:
                file_name(event.name, event.filename)  # refused before its bytes are stored
            self.spool = self.spools.enter_context(self.uploads.spool()) if event.filename else None
        elif event is None:  # the end of the part
            self._end()
        elif self.spool is not None:
            self.spool.write(event)
        else:
            self.text += event
            if len(self.text) > TEXT_FIELD_BYTES:
                raise too_large(f"the form field {self.name!r}", TEXT_FIELD_BYTES, self.name)

    @property
    def name(self) -> str:
        return self.segment.name if self.segment else ""

    def _end(self) -> None:
        assert self.segment is not None
        name, spool = self.segment.name, self.spool
        if spool is None:
            self.form.texts.setdefault(name, []).append(utf8_text(name, bytes(self.text)))
        else:
            kind = self.segment.content_type or "application/octet-stream"
            self.form.files.append(ReceivedFile(name, self.segment.filename, kind, spool.tell(), spool))
        self.segment, self.spool = None, None


async def _multipart(
    request: Request[Any, Any, Any], boundary: bytes, limits: FormLimits, uploads: Uploads, spools: ExitStack
) -> ReceivedForm:
    parts = _Parts(uploads, spools)
    try:
        with PushMultipartParser(
            boundary, max_segment_count=limits.parts, max_segment_size=limits.file
        ) as parser:
            async for chunk in request.stream():
                for event in parser.parse(chunk):
                    parts.take(event)
                if parser.closed:
                    break
    except ParserLimitReached:
        name = parts.name or None
        raise too_large(f"a part of the form ({name or 'headers'})", limits.file, name) from None
    except ParserError as error:
        raise InvalidInput(f"the multipart form is malformed: {error}") from None
    return parts.form
