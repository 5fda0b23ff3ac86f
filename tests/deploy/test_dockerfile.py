"""The image the chart runs: built in two stages, the final one only a virtual environment on
python:3.11-slim, run by a fixed non-root UID, entering through the ``lpse-hub`` CLI.

No Docker daemon is needed: the Dockerfile is read instruction by instruction."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "lpse-hub"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]


def stages(path: Path) -> list[Stage]:
    """The Dockerfile's stages, each with its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    result: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, value = line.partition(" ")
        instruction, value = instruction.upper(), " ".join(value.split())
        if instruction == "FROM":
            base, _, name = value.partition(" AS ")
            result.append(Stage(base=base, name=name or None))
        elif result:
            result[-1].instructions.append((instruction, value))
    return result


@pytest.fixture(scope="module")
def dockerfile() -> list[Stage]:
    return stages(ROOT / "Dockerfile")


def test_a_builder_stage_makes_the_wheel_and_the_virtual_environment(dockerfile: list[Stage]) -> None:
    builder, final = dockerfile[0], dockerfile[-1]
    assert len(dockerfile) == 2
    assert builder.name == "builder"
    build = " ".join(builder.values("RUN"))
    assert "pip wheel" in build
    assert "python -m venv /opt/venv" in build
    assert "/opt/venv/bin/pip install /wheels/" in build
    assert final.values("COPY") == ["--from=builder /opt/venv /opt/venv"]


def test_the_final_stage_is_slim_python_without_compilers(dockerfile: list[Stage]) -> None:
    final = dockerfile[-1]
    assert final.base == "python:3.11-slim"
    assert final.name is None
    installs = " ".join(final.values("RUN"))
    for tool in ("gcc", "build-essential", "apt-get install", "make", "python3-dev"):
        assert tool not in installs


def test_it_runs_as_a_fixed_non_root_uid_that_the_chart_names(dockerfile: list[Stage]) -> None:
    [user] = dockerfile[-1].values("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit()  # numeric, so runAsNonRoot can be checked by the kubelet
    assert int(uid) >= 10000
    assert gid.isdigit()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["securityContext"]["runAsUser"] == int(uid)
    assert values["podSecurityContext"]["runAsUser"] == int(uid)


def test_it_enters_through_the_cli_and_serves_without_migrating(dockerfile: list[Stage]) -> None:
    final = dockerfile[-1]
    assert [json.loads(v) for v in final.values("ENTRYPOINT")] == [["lpse-hub"]]
    assert [json.loads(v) for v in final.values("CMD")] == [["serve", "--host", "0.0.0.0", "--no-migrate"]]
    assert final.values("EXPOSE") == ["8000"]
    assert final.values("WORKDIR") == ["/var/lib/lpse-hub"]


def test_the_data_directory_is_a_volume_the_hub_is_told_about(dockerfile: list[Stage]) -> None:
    final = dockerfile[-1]
    env = " ".join(final.values("ENV"))
    assert "LPSE_HUB_DATA_DIR=/var/lib/lpse-hub" in env
    assert "PYTHONDONTWRITEBYTECODE=1" in env  # nothing to write under a read-only root
    assert [json.loads(v) for v in final.values("VOLUME")] == [["/var/lib/lpse-hub"]]


def test_the_chart_default_image_is_this_one() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["image"]["repository"] == "lpse-hub"
    assert "docker build -t lpse-hub:" in (ROOT / "Dockerfile").read_text()


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", "tests", "**/__pycache__", ".venv"} <= set(ignored)
    assert "README.md" not in ignored  # pyproject.toml's readme: the wheel needs it
