"""Probing every tenant on a schedule, and the uptime that the probe history shows.

A probe checks that a tenant's schema answers, is at the migration head, serves a read of its
tenders within the time limit, and that its audit chain's head is anchored in ``hub``
(``probe_tenant``). A round probes every tenant and writes the results in one transaction, one
replica at a time (``probe_all``); the app runs rounds in the background (``probing``). The
history answers two questions: what is each tenant's state now (``latest_probes``, which the
``/metrics`` exposition reads) and how available was it over a period (``availability``, which
``lpse-hub uptime`` and the coordination reviews read).
"""

from monitoring.probes.history import Availability, availability, latest_probes
from monitoring.probes.models import CHECKS, ProbeResult
from monitoring.probes.probe import probe_tenant
from monitoring.probes.rounds import ProbeRound, probe_all, probe_round
from monitoring.probes.scheduler import probing

__all__ = [
    "CHECKS",
    "Availability",
    "ProbeResult",
    "ProbeRound",
    "availability",
    "latest_probes",
    "probe_all",
    "probe_round",
    "probe_tenant",
    "probing",
]
