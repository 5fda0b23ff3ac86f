"""Two database roles in the chart: the migration Job connects as the owner, the pods as the restricted
role the hub serves as, and only the Job ever gets the owner's URL."""

from __future__ import annotations

from typing import Any

from hub.core.settings import Settings
from tests.deploy.chart import COMBINATIONS, Render, env_of, only

OWNER = "LPSE_HUB_OWNER_DATABASE_URL"


def test_only_the_migration_job_gets_the_owners_url(render: Render) -> None:
    manifests = render()
    job, deployment = env_of(only(manifests, "Job")), env_of(only(manifests, "Deployment"))
    assert job[OWNER]["valueFrom"]["secretKeyRef"] == {"name": "lpse-hub", "key": "owner-database-url"}
    assert OWNER not in deployment
    assert job["LPSE_HUB_DATABASE_URL"] == deployment["LPSE_HUB_DATABASE_URL"]  # whom the Job grants to
    assert set(Settings.__dataclass_fields__) >= {OWNER.removeprefix("LPSE_HUB_").lower()}


def test_the_owners_url_may_live_in_a_secret_of_its_own(render: Render) -> None:
    values = {"postgresql": {"external": {"ownerExistingSecret": "lpse-db-owner", "ownerSecretKey": "url"}}}
    job = env_of(only(render(values), "Job"))
    assert job[OWNER]["valueFrom"]["secretKeyRef"] == {"name": "lpse-db-owner", "key": "url"}


def test_no_owner_key_means_one_role_and_the_notes_warn(render: Render, chart: Any) -> None:
    values = {"postgresql": {"external": {"ownerSecretKey": ""}}}
    assert OWNER not in env_of(only(render(values), "Job"))
    warned = chart.render(values, name="lpse", namespace="lpse")["lpse-hub/templates/NOTES.txt"]
    assert "WARNING: the pods serve as the role that owns the schemas" in warned
    two_roles = chart.render({}, name="lpse", namespace="lpse")["lpse-hub/templates/NOTES.txt"]
    assert "WARNING: the pods serve" not in two_roles
    assert f'env {OWNER}="$OWNER_URL" \\\n    lpse-hub tenant create' in two_roles


def test_cloudnativepg_without_a_serving_role_runs_one_role_and_says_so(render: Render, chart: Any) -> None:
    values = COMBINATIONS["cloudnativepg"]
    assert OWNER not in env_of(only(render(values), "Job"))
    assert "managed" not in only(render(values), "Cluster")["spec"]
    notes = chart.render(values, name="lpse", namespace="lpse")["lpse-hub/templates/NOTES.txt"]
    assert "CloudNativePG's application role" in notes


def test_cloudnativepg_makes_the_serving_role_and_the_job_migrates_as_its_owner(
    render: Render, chart: Any
) -> None:
    values = {
        "postgresql": {"cloudnativepg": {"enabled": True, "servingRole": {"existingSecret": "lpse-web"}}}
    }
    manifests = render(values)
    cluster = only(manifests, "Cluster")
    assert cluster["spec"]["managed"]["roles"] == [
        {"name": "lpse_hub_web", "ensure": "present", "login": True, "passwordSecret": {"name": "lpse-web"}}
    ]
    job, deployment = env_of(only(manifests, "Job")), env_of(only(manifests, "Deployment"))
    app_secret = {"name": f"{cluster['metadata']['name']}-app", "key": "uri"}
    assert job[OWNER]["valueFrom"]["secretKeyRef"] == app_secret
    assert OWNER not in deployment
    serving = {"name": "lpse-web", "key": "uri"}
    assert deployment["LPSE_HUB_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == serving
    assert job["LPSE_HUB_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == serving
    notes = chart.render(values, name="lpse", namespace="lpse")["lpse-hub/templates/NOTES.txt"]
    assert "WARNING: the pods serve" not in notes
    assert f"get secret {app_secret['name']}" in notes
