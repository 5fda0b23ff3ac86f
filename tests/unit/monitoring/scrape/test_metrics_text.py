"""The hub's text exposition reads back exactly as prometheus-client's own, tricky label values too."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from monitoring.scrape._text import text_format


def _parsed(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_every_sample_reads_back_as_the_librarys_exposition_writes_it() -> None:
    registry = CollectorRegistry()
    requests = Counter(
        "x_requests", "Requests.\nTwo lines, a \\ too.", ["route", "tenant"], registry=registry
    )
    requests.labels('/t/{slug}/api/"quoted"', "kab-malang").inc(3)
    requests.labels("back\\slash\nnew line", "").inc()
    Gauge("x_up", "Up.", registry=registry).set(float("nan"))
    took = Histogram("x_seconds", "Time.", ["route"], buckets=(0.1, 1.0), registry=registry)
    took.labels("/api/catalogue").observe(0.25)
    ours = text_format(registry.collect()).decode()
    assert _parsed(ours).keys() == _parsed(generate_latest(registry).decode()).keys()
    theirs = _parsed(generate_latest(registry).decode())
    assert all(
        ours_value == theirs[key] or ours_value != ours_value for key, ours_value in _parsed(ours).items()
    )
    assert "# TYPE x_requests_total counter" in ours
    assert 'x_seconds_bucket{le="+Inf",route="/api/catalogue"} 1.0' in ours
