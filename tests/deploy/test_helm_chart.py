"""The Helm chart lints, renders valid Kubernetes objects for every documented combination of values,
runs hardened, migrates before it serves and never carries a secret (values: test_helm_values.py)."""

from __future__ import annotations

import json
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from hub.web.body_limits import BUNDLE_BODY_BYTES, DOCUMENT_FORM, OBJECTION_FORM, SEALED_BY_HUB_FORM
from tests.deploy.chart import (
    CHART,
    COMBINATIONS,
    ROOT,
    Manifest,
    Render,
    env_of,
    kinds,
    only,
    pod_spec,
)

# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest with schemas.
KUBERNETES_VERSIONS = ["1.25.0", kubernetes_validate.latest_version()]
# Kinds from operators' CRDs, which kubernetes-validate has no schema for: checked structurally below.
CUSTOM_KINDS = {
    "postgresql.cnpg.io/v1": {"Cluster"},
    "monitoring.coreos.com/v1": {"ServiceMonitor", "PrometheusRule"},
}
SECRET_ENV = {
    "LPSE_HUB_DATABASE_URL",
    "LPSE_HUB_OWNER_DATABASE_URL",
    "LPSE_HUB_MASTER_KEY",
    "LPSE_HUB_UPSTREAM_CLIENT_SECRET",
}
combinations = pytest.mark.parametrize("values", COMBINATIONS.values(), ids=COMBINATIONS.keys())


def hub_workloads(manifests: list[Manifest]) -> list[Manifest]:
    """The server Deployment and the migration Job: everything that runs the hub's image."""
    return [m for m in manifests if m["kind"] in {"Deployment", "Job"}]


@combinations
def test_chart_lints_without_warnings(values: dict[str, Any]) -> None:
    report = helm.lint(CHART, values, strict=True, namespace="lpse")
    assert report["errors"] == []
    # Severity 2 is a warning, 3 an error; "icon is recommended" (1) is only information.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@combinations
@pytest.mark.parametrize("kubernetes_version", KUBERNETES_VERSIONS)
def test_every_manifest_is_a_valid_kubernetes_object(
    render: Render, values: dict[str, Any], kubernetes_version: str
) -> None:
    for manifest in render(values):
        if manifest["kind"] in CUSTOM_KINDS.get(manifest["apiVersion"], set()):
            assert manifest["metadata"]["name"]
            assert isinstance(manifest["spec"], dict)
            continue
        kubernetes_validate.validate(manifest, kubernetes_version, strict=True)


@combinations
def test_hub_containers_run_restricted(render: Render, values: dict[str, Any]) -> None:
    for workload in hub_workloads(render(values)):
        pod = pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert context["runAsUser"] == 10001  # the Dockerfile's USER
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            # With a read-only root, the data directory and /tmp are the only writable places.
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert set(mounts) == {"/var/lib/lpse-hub", "/tmp"}
            volumes = {v["name"]: v for v in pod["volumes"]}
            assert all("emptyDir" in volumes[name] for name in mounts.values())
            assert env_of(workload)["LPSE_HUB_DATA_DIR"]["value"] == "/var/lib/lpse-hub"


def test_probes_watch_the_health_routes_on_the_served_port(render: Render) -> None:
    container = pod_spec(only(render(), "Deployment"))["containers"][0]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["args"][:5] == ["serve", "--host", "0.0.0.0", "--port", "8000"]


def test_workers_and_replicas_come_from_values(render: Render) -> None:
    deployment = only(render({"workers": 3, "replicaCount": 4}), "Deployment")
    args = pod_spec(deployment)["containers"][0]["args"]
    assert args[args.index("--workers") + 1] == "3"
    assert "--no-migrate" in args  # migrating is the hook's job, never a serving pod's
    assert deployment["spec"]["replicas"] == 4


@pytest.mark.parametrize(
    ("values", "hook"),
    [
        ({}, "pre-install,pre-upgrade"),
        (COMBINATIONS["citus"], "pre-install,pre-upgrade"),
        # The CloudNativePG cluster is created by the install, so the first migration follows it.
        (COMBINATIONS["cloudnativepg"], "post-install,pre-upgrade"),
    ],
    ids=["external", "citus", "cloudnativepg"],
)
def test_migrations_run_as_a_hook_job_before_pods_serve(
    render: Render, values: dict[str, Any], hook: str
) -> None:
    manifests = render(values)
    job, deployment = only(manifests, "Job"), only(manifests, "Deployment")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == hook
    assert int(annotations["helm.sh/hook-weight"]) == -5
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    migrate, server = pod_spec(job)["containers"][0], pod_spec(deployment)["containers"][0]
    assert migrate["args"] == ["db", "upgrade"]  # the image's ENTRYPOINT is lpse-hub
    assert migrate["image"] == server["image"] == "lpse-hub:0.1.0"
    assert pod_spec(job)["restartPolicy"] == "Never"
    for name in ("LPSE_HUB_DATABASE_URL", "LPSE_HUB_MASTER_KEY"):
        assert env_of(job)[name] == env_of(deployment)[name]


def test_the_pre_install_job_uses_nothing_the_install_creates(render: Render) -> None:
    """A pre-install hook runs before the chart's ServiceAccount exists: it must not need it."""
    job = only(render(), "Job")
    assert "serviceAccountName" not in pod_spec(job)  # the namespace's default account
    named = only(render({"serviceAccount": {"create": False, "name": "lpse-hub-sa"}}), "Job")
    assert pod_spec(named)["serviceAccountName"] == "lpse-hub-sa"  # exists before the install


def test_the_service_never_sends_traffic_to_the_migration_pod(render: Render) -> None:
    manifests = render()
    selector = only(manifests, "Service")["spec"]["selector"]
    job_labels = only(manifests, "Job")["spec"]["template"]["metadata"]["labels"]
    pod_labels = only(manifests, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    assert not selector.items() <= job_labels.items()


@combinations
def test_secrets_come_only_from_existing_secrets(render: Render, values: dict[str, Any]) -> None:
    manifests = render(values)
    assert "Secret" not in kinds(manifests)
    for workload in hub_workloads(manifests):
        env = env_of(workload)
        assert {"LPSE_HUB_DATABASE_URL", "LPSE_HUB_MASTER_KEY"} <= env.keys()
        for name in SECRET_ENV & env.keys():
            assert "value" not in env[name]
            assert set(env[name]["valueFrom"]) == {"secretKeyRef"}


@combinations
def test_no_hub_pod_starts_without_the_master_key_secret(render: Render, values: dict[str, Any]) -> None:
    """The hub refuses an external database without the key; the chart never lets a pod try: the
    key's Secret is required (not ``optional``), so a missing one keeps the pod from starting."""
    for workload in hub_workloads(render(values)):
        reference = env_of(workload)["LPSE_HUB_MASTER_KEY"]["valueFrom"]["secretKeyRef"]
        assert reference.get("optional", False) is False
        assert reference["name"]
        assert reference["key"]


def test_existing_secret_names_and_keys_are_the_operators(render: Render) -> None:
    env = env_of(only(render(COMBINATIONS["external database"]), "Deployment"))
    assert env["LPSE_HUB_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "lpse-db", "key": "url"}
    assert env["LPSE_HUB_MASTER_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "lpse-keys", "key": "master"}


def test_cloudnativepg_cluster_provides_the_database_url(render: Render) -> None:
    manifests = render(COMBINATIONS["cloudnativepg"])
    cluster = only(manifests, "Cluster")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["bootstrap"]["initdb"] == {"database": "lpse", "owner": "lpse_hub"}
    assert cluster["spec"]["postgresql"]["parameters"] == {"max_connections": "200"}
    for workload in hub_workloads(manifests):
        reference = env_of(workload)["LPSE_HUB_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert reference == {"name": f"{cluster['metadata']['name']}-app", "key": "uri"}
    assert "Cluster" not in kinds(render())


def test_citus_marks_the_pods_and_uses_the_coordinators_url(render: Render) -> None:
    manifests = render(COMBINATIONS["citus"])
    assert "Cluster" not in kinds(manifests)
    for workload in hub_workloads(manifests):
        assert workload["spec"]["template"]["metadata"]["annotations"]["lpse-hub/postgresql"] == "citus"
        reference = env_of(workload)["LPSE_HUB_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == "citus-coordinator"


@pytest.mark.parametrize(
    ("values", "expected"),
    [({}, set()), (COMBINATIONS["monitoring on"], {"ServiceMonitor", "PrometheusRule", "ConfigMap"})],
    ids=["off", "on"],
)
def test_monitoring_pieces_are_switchable(render: Render, values: dict[str, Any], expected: set[str]) -> None:
    assert kinds(render(values)) & {"ServiceMonitor", "PrometheusRule", "ConfigMap"} == expected
    for piece in ("serviceMonitor", "prometheusRule", "grafanaDashboard"):
        alone = render({"metrics": {piece: {"enabled": True}}})
        assert len(kinds(alone) & {"ServiceMonitor", "PrometheusRule", "ConfigMap"}) == 1


def test_monitoring_carries_the_repositorys_rules_and_dashboard(render: Render) -> None:
    manifests = render(COMBINATIONS["monitoring on"])
    rules = yaml.safe_load((ROOT / "monitoring" / "prometheus" / "rules.yml").read_text())
    assert only(manifests, "PrometheusRule")["spec"] == rules
    dashboard = only(manifests, "ConfigMap")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["metadata"]["annotations"] == {"grafana_folder": "LPSE"}
    original = (ROOT / "monitoring" / "grafana" / "lpse-hub.json").read_text()
    assert json.loads(dashboard["data"]["lpse-hub.json"]) == json.loads(original)
    monitor = only(manifests, "ServiceMonitor")
    [endpoint] = monitor["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")
    assert monitor["spec"]["selector"]["matchLabels"] == only(manifests, "Service")["spec"]["selector"]


@pytest.mark.parametrize(
    ("copy", "original"),
    [
        ("files/rules.yml", "monitoring/prometheus/rules.yml"),
        ("files/lpse-hub.json", "monitoring/grafana/lpse-hub.json"),
    ],
)
def test_the_charts_copies_equal_the_originals_byte_for_byte(copy: str, original: str) -> None:
    """Helm reads no file outside the chart; when an original changes, copy it: `cp <original> <copy>`."""
    assert (CHART / copy).read_bytes() == (ROOT / original).read_bytes()


def test_ingress_routes_every_tenant_host_to_the_service(render: Render) -> None:
    manifests = render(COMBINATIONS["ingress on"])
    ingress, service = only(manifests, "Ingress"), only(manifests, "Service")
    hosts = COMBINATIONS["ingress on"]["ingress"]["hosts"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == hosts
    for rule in ingress["spec"]["rules"]:
        [path] = rule["http"]["paths"]
        assert (path["path"], path["pathType"]) == ("/", "Prefix")
        assert path["backend"]["service"] == {"name": service["metadata"]["name"], "port": {"name": "http"}}
    assert ingress["spec"]["tls"] == COMBINATIONS["ingress on"]["ingress"]["tls"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    # The OpenID issuer follows the first host (TLS: https) unless config.issuer says otherwise.
    assert env_of(only(manifests, "Deployment"))["LPSE_HUB_ISSUER"]["value"] == "https://lpse.jatimprov.go.id"
    assert "Ingress" not in kinds(render())


def nginx_size(value: str) -> int:
    """An nginx size (``101m``) in bytes."""
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_the_ingress_passes_the_largest_body_a_route_of_the_hub_takes(render: Render) -> None:
    ingress = only(render(COMBINATIONS["ingress on"]), "Ingress")
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    largest = max(DOCUMENT_FORM.body, SEALED_BY_HUB_FORM.body, OBJECTION_FORM.body, BUNDLE_BODY_BYTES)
    assert largest <= nginx_size(size) < largest + 2**20  # enough, and not much more
    mine = {"nginx.ingress.kubernetes.io/proxy-body-size": "40m", "a": "b"}
    set_by_hand = only(
        render({"ingress": {**COMBINATIONS["ingress on"]["ingress"], "annotations": mine}}), "Ingress"
    )
    assert set_by_hand["metadata"]["annotations"] == mine  # the operator's own annotation wins
    unset = {**COMBINATIONS["ingress on"]["ingress"], "maxBodySize": ""}
    assert "annotations" not in only(render({"ingress": unset}), "Ingress")["metadata"]


def test_autoscaling_replaces_the_fixed_replica_count(render: Render) -> None:
    manifests = render(COMBINATIONS["autoscaling on"])
    hpa, deployment = only(manifests, "HorizontalPodAutoscaler"), only(manifests, "Deployment")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    assert "replicas" not in deployment["spec"]
    assert "HorizontalPodAutoscaler" not in kinds(render())


def test_a_disruption_budget_only_where_a_drain_can_leave_a_pod(render: Render) -> None:
    pdb = only(render(), "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert "PodDisruptionBudget" not in kinds(render({"replicaCount": 1}))
