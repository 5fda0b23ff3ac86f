"""The embedded server: initialised once, reused, and not blocked by a killed run."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from tests.live_server import started_on_socket

START_AND_PRINT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from hub.core.embedded_postgres import embedded_postgres
    with embedded_postgres(Path(sys.argv[1])) as url:
        print(url, flush=True)
        if sys.argv[2] == "hang":
            sys.stdin.read()  # until it is killed: its stdin is a pipe nobody writes to
    """
)


def start(data_dir: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", START_AND_PRINT, str(data_dir), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def first_line(process: subprocess.Popen[str], timeout: float = 120) -> str:
    """The first line the process prints, waited for at most ``timeout`` seconds (it polls a process
    that is starting: there is no clock to inject). A process that prints nothing is killed and the
    test fails, instead of reading forever."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        process.kill()
        process.wait()
        raise AssertionError(f"the embedded server printed no URL within {timeout:.0f}s")
    return process.stdout.readline()


def postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postgres" / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def has_ended(pid: int) -> bool:
    """The process is gone, or a zombie: ended, waiting for a parent that is not ours to reap it."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_first_start_initialises_and_exit_stops_the_server(tmp_path: Path) -> None:
    run = start(tmp_path, "exit")
    assert run.wait(timeout=120) == 0
    assert (tmp_path / "postgres" / "PG_VERSION").exists()
    assert postmaster_pid(tmp_path) is None  # stopped cleanly, pid file removed


def test_a_killed_run_does_not_block_the_next_start(tmp_path: Path) -> None:
    killed = start(tmp_path, "hang")
    assert first_line(killed).startswith("postgresql://")
    server_pid = postmaster_pid(tmp_path)
    assert server_pid is not None
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    os.kill(server_pid, signal.SIGKILL)  # the server dies too: a stale postmaster.pid stays behind
    psutil.Process(server_pid).wait(timeout=30) if psutil.pid_exists(server_pid) else None
    assert (tmp_path / "postgres" / "postmaster.pid").exists()

    again = start(tmp_path, "exit")
    assert again.wait(timeout=120) == 0
    assert postmaster_pid(tmp_path) is None


def test_a_killed_client_leaves_the_server_to_the_next_run(tmp_path: Path) -> None:
    killed = start(tmp_path, "hang")
    assert first_line(killed).startswith("postgresql://")
    killed.send_signal(signal.SIGKILL)  # the server keeps running, with a dead handle in its list
    killed.wait(timeout=30)
    again = start(tmp_path, "exit")
    assert again.wait(timeout=120) == 0
    assert postmaster_pid(tmp_path) is None  # the dead handle was pruned, so the last one out stopped it


def test_serve_stopped_by_sigterm_stops_the_embedded_server_it_started(tmp_path: Path) -> None:
    """Kubernetes, systemd and ``kill`` stop ``serve`` with SIGTERM: the embedded PostgreSQL it started
    must stop with it (uvicorn re-raised the signal and the process died before its cleanup ran)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "LPSE_HUB_DATABASE_URL")
    }
    env |= {
        "LPSE_HUB_DATA_DIR": str(tmp_path),
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",
    }
    env.pop("LPSE_HUB_MASTER_KEY", None)  # the embedded database makes its development key
    # On a socket it inherits (as systemd's socket activation hands one): the first request waits in
    # its backlog while the embedded server starts and the schemas migrate, nobody polls.
    serving, _ = started_on_socket(
        [sys.executable, "-c", "from cli.main import run; run()", "serve"],
        env,
        timeout=120,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server_pid = postmaster_pid(tmp_path)
        assert server_pid is not None
        assert psutil.pid_exists(server_pid)
        serving.send_signal(signal.SIGTERM)
        assert serving.wait(timeout=60) == 0
    finally:
        if serving.poll() is None:
            serving.kill()
            serving.wait()
    assert postmaster_pid(tmp_path) is None  # stopped cleanly, pid file removed
    assert has_ended(server_pid)
