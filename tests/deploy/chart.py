"""Rendering the Helm chart the way Helm itself does, with no cluster and no helm binary.

helm-python-sdk embeds Helm's own Go library (``libhelm_c``): ``Chart.render`` checks the values
against ``values.schema.json`` and renders the templates exactly as ``helm template`` would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "lpse-hub"
RELEASE, NAMESPACE = "lpse", "lpse"

Manifest = dict[str, Any]
Render = Callable[..., list[Manifest]]

# Every combination values.yaml documents, as an operator would write it in a values file.
COMBINATIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "external database": {
        "postgresql": {"external": {"existingSecret": "lpse-db", "secretKey": "url"}},
        "masterKey": {"existingSecret": "lpse-keys", "secretKey": "master"},
    },
    "cloudnativepg": {"postgresql": {"cloudnativepg": {"enabled": True, "instances": 3}}},
    "cloudnativepg with a serving role": {
        "postgresql": {"cloudnativepg": {"enabled": True, "servingRole": {"existingSecret": "lpse-web"}}}
    },
    "owner url in a secret of its own": {
        "postgresql": {"external": {"ownerExistingSecret": "lpse-db-owner", "ownerSecretKey": "url"}}
    },
    "citus": {
        "postgresql": {"citus": {"enabled": True}, "external": {"existingSecret": "citus-coordinator"}}
    },
    "monitoring on": {
        "metrics": {
            "serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
            "prometheusRule": {"enabled": True},
            "grafanaDashboard": {"enabled": True, "annotations": {"grafana_folder": "LPSE"}},
        }
    },
    "ingress on": {
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "hosts": ["lpse.jatimprov.go.id", "lpse.malangkab.go.id", "lpse.blitarkab.go.id"],
            "tls": [{"secretName": "lpse-tls", "hosts": ["lpse.jatimprov.go.id", "lpse.malangkab.go.id"]}],
        }
    },
    "autoscaling on": {"autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 12}, "workers": 4},
    "everything on": {
        "postgresql": {"cloudnativepg": {"enabled": True}},
        "metrics": {
            "serviceMonitor": {"enabled": True},
            "prometheusRule": {"enabled": True},
            "grafanaDashboard": {"enabled": True},
        },
        "ingress": {"enabled": True, "hosts": ["lpse.jatimprov.go.id"]},
        "autoscaling": {"enabled": True},
        "upstreamClientSecret": {"existingSecret": "sso-client"},
        "config": {"upstreamIssuer": "https://sso.example.go.id", "upstreamClientId": "lpse-hub"},
    },
}


def only(manifests: list[Manifest], kind: str) -> Manifest:
    """The one manifest of ``kind`` (failing if there is none or more)."""
    found = [m for m in manifests if m["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, got {[m['metadata']['name'] for m in found]}"
    return found[0]


def kinds(manifests: list[Manifest]) -> set[str]:
    return {m["kind"] for m in manifests}


def pod_spec(manifest: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = manifest["spec"]["template"]["spec"]
    return spec


def env_of(manifest: Manifest) -> dict[str, dict[str, Any]]:
    """The first container's environment, by variable name."""
    return {e["name"]: e for e in pod_spec(manifest)["containers"][0]["env"]}
