"""The Prometheus text format (0.0.4) of metric families, written for the hub's own names.

prometheus-client's ``generate_latest`` escapes and validates every label name of every sample, for
names that may be any UTF-8 text: with 548 tenants (about 10,000 samples) that was most of a
150 ms scrape (docs/BENCHMARKS.md, issue 7). The hub's metric and label names are fixed
identifiers in this package, so only label values (which come from the registry and routes) are
escaped here; everything else is the library's: the families, their samples and the float format.
The tests parse the result with prometheus-client's own parser.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from prometheus_client.core import Metric
from prometheus_client.utils import floatToGoString

TYPES = {"counter": "counter", "gauge": "gauge", "histogram": "histogram", "summary": "summary"}


def label_value(text: str) -> str:
    """A label value escaped for the text format (backslash, newline, double quote)."""
    if "\\" in text or "\n" in text or '"' in text:
        return text.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
    return text


def number(value: float) -> str:
    """A finite value as Python writes it (Prometheus reads "1.0" and "0.25"); others as Go does."""
    if value == 1.0 or value == 0.0:  # most of a scrape's gauges (probe checks, up)
        return "1.0" if value else "0.0"
    return repr(float(value)) if math.isfinite(value) else str(floatToGoString(value))  # type: ignore[no-untyped-call]


def family_header(name: str, kind: str, documentation: str) -> str:
    """A family's ``# HELP`` and ``# TYPE`` lines."""
    doc = documentation.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {name} {doc}\n# TYPE {name} {TYPES.get(kind, 'untyped')}\n"


def text_format(families: Iterable[Metric]) -> bytes:
    lines: list[str] = []
    orders: dict[tuple[str, ...], list[str]] = {}  # a sample's label names -> in sorted order
    for family in families:
        name = f"{family.name}_total" if family.type == "counter" else family.name
        lines.append(family_header(name, family.type, family.documentation))
        for sample in family.samples:
            labels = sample.labels
            if labels:
                names = tuple(labels)
                order = orders.get(names)
                if order is None:
                    order = orders[names] = sorted(names)
                written = ",".join([f'{k}="{label_value(labels[k])}"' for k in order])
                lines.append(f"{sample.name}{{{written}}} {number(sample.value)}\n")
            else:
                lines.append(f"{sample.name} {number(sample.value)}\n")
    return "".join(lines).encode()
