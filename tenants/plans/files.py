"""Plan import files (CSV and JSON) read into rows, each with the label its file gives it.

CSV: UTF-8 (a spreadsheet's byte-order mark is skipped), comma separated, a header of the field names
(``tenants.plans.fields.FIELDS``, in any order); a row is named by its line in the file, as a
spreadsheet numbers it (the header is line 1). JSON: a list of objects of the same fields, or an
object with that list under ``items``; an item is named by its position, 1 for the first.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from hub.core.errors import InvalidInput

FORMATS = ("csv", "json")
MAX_FILE_BYTES = 16 * 1024 * 1024
"""An import file, at most: a few thousand items are a few megabytes."""


@dataclass(frozen=True, slots=True)
class PlanFile:
    """The rows of an import file, and what the file calls each (``line 3``, ``item 2``)."""

    rows: list[dict[str, Any]]
    labels: list[str]


def format_of(name: str, chosen: str | None) -> str:
    """The file's format: ``chosen`` when given, else its name's extension."""
    kind = (chosen or name.rpartition(".")[2]).lower()
    if kind not in FORMATS:
        raise InvalidInput(f"say which format {name!r} is: --format csv or --format json", field="format")
    return kind


def read_plan_file(data: bytes, kind: str) -> PlanFile:
    """The rows of ``data`` in format ``kind`` (``csv`` or ``json``); ``InvalidInput`` when the file
    itself cannot be read (its rows are judged later, each on its own)."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"an import file is at most {MAX_FILE_BYTES // (1024 * 1024)} MiB", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", field="file") from None
    return _csv(text) if kind == "csv" else _json(text)


class _Lines:
    """The file's lines, counted as the CSV reader takes them: a record starts on the line after
    those taken before it (a quoted cell may span several)."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.taken = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken += 1
        return line


def _csv(text: str) -> PlanFile:
    lines = _Lines(text)
    reader = csv.reader(lines, strict=True)
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            raise InvalidInput("the CSV file has no header line", field="file")
        if len(set(header)) != len(header):
            raise InvalidInput("line 1: a column is named twice", field="file")
        while True:
            start = lines.taken + 1
            cells = next(reader, None)
            if cells is None:
                break
            if not any(cell.strip() for cell in cells):  # blank lines of a spreadsheet's export
                continue
            if len(cells) != len(header):
                raise InvalidInput(f"line {start}: not as many cells as the header has columns", field="file")
            rows.append(dict(zip(header, cells, strict=True)))
            labels.append(f"line {start}")
    except csv.Error as exc:
        raise InvalidInput(f"line {lines.taken}: not CSV ({exc})", field="file") from None
    return PlanFile(rows, labels)


def _json(text: str) -> PlanFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not JSON: {exc.msg} at line {exc.lineno}", field="file") from None
    if isinstance(document, dict) and set(document) == {"items"}:
        document = document["items"]
    if not isinstance(document, list):
        raise InvalidInput('a JSON plan file is a list of items (or {"items": [...]})', field="file")
    return PlanFile(document, [f"item {n}" for n in range(1, len(document) + 1)])
