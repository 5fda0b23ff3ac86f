"""The database's series, written as text from the snapshot's rows, read back by prometheus-client."""

from __future__ import annotations

from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

from monitoring.probes.models import CHECKS
from monitoring.scrape import DatabaseSnapshot
from monitoring.scrape._database import NewestProbe, TenantSeries
from monitoring.scrape._series_text import database_text


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def snapshot() -> DatabaseSnapshot:
    checks = tuple(name != "audit" for name in CHECKS)
    return DatabaseSnapshot(
        up=True,
        per_tenant=[
            TenantSeries(
                "kab-malang",
                ["bid_submission", "evaluation"],
                [2, 1],
                1,
                NewestProbe(False, checks, 0.25, 1_800_000_000.5, 3),
            ),
            TenantSeries(
                "kota-batu",
                None,
                None,
                None,
                NewestProbe(True, (True,) * len(CHECKS), 0.125, 1_800_000_001.0, None),
            ),
            TenantSeries("kab-blitar", ["announcement"], [4], None, None),  # never probed yet
        ],
        feed=SimpleNamespace(written=41, served=40, lag=None),
        peers=[
            SimpleNamespace(name='hub "jateng"', age=12.5, conflicts=0),
            SimpleNamespace(name="new", age=None, conflicts=2),
        ],
    )


def test_every_database_series_reads_back_with_its_labels_and_value() -> None:
    read = samples(database_text(snapshot(), embedded=True))
    assert read[("lpsehub_database_up", ())] == read[("lpsehub_embedded_database_up", ())] == 1.0
    assert read[("lpsehub_tenders", (("stage", "bid_submission"), ("tenant", "kab-malang")))] == 2.0
    assert read[("lpsehub_tenders", (("stage", "evaluation"), ("tenant", "kab-malang")))] == 1.0
    assert read[("lpsehub_tenders", (("stage", "announcement"), ("tenant", "kab-blitar")))] == 4.0
    assert not [key for key in read if key[0] == "lpsehub_tenders" and ("tenant", "kota-batu") in key[1]]
    assert ("lpsehub_tenders_closing_soon", (("tenant", "kota-batu"),)) not in read
    assert read[("lpsehub_tenders_closing_soon", (("tenant", "kab-malang"),))] == 1.0
    assert read[("lpsehub_tenant_up", (("tenant", "kab-malang"),))] == 0.0
    assert read[("lpsehub_tenant_probe_check", (("check", "audit"), ("tenant", "kab-malang")))] == 0.0
    assert read[("lpsehub_tenant_probe_check", (("check", "read"), ("tenant", "kab-malang")))] == 1.0
    assert read[("lpsehub_tenant_probe_duration_seconds", (("tenant", "kota-batu"),))] == 0.125
    assert (
        read[("lpsehub_tenant_last_probe_timestamp_seconds", (("tenant", "kab-malang"),))] == 1_800_000_000.5
    )
    assert read[("lpsehub_tampered_bids", (("tenant", "kab-malang"),))] == 3.0
    assert ("lpsehub_tampered_bids", (("tenant", "kota-batu"),)) not in read  # its probe could not check
    assert read[("lpsehub_feed_lag_seconds", ())] == 0.0
    assert read[("lpsehub_peer_sync_age_seconds", (("peer", 'hub "jateng"'),))] == 12.5
    assert ("lpsehub_peer_sync_age_seconds", (("peer", "new"),)) not in read  # never synced
    assert read[("lpsehub_peer_checkpoint_conflicts", (("peer", "new"),))] == 2.0
    assert ("lpsehub_tenant_up", (("tenant", "kab-blitar"),)) not in read  # no probe, no probe series
    assert len([key for key in read if key[0] == "lpsehub_tenant_probe_check"]) == 2 * len(CHECKS)


def test_a_database_that_did_not_answer_gives_only_up_zero() -> None:
    assert samples(database_text(DatabaseSnapshot(), embedded=False)) == {("lpsehub_database_up", ()): 0.0}
