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

START_AND_PRINT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from hub.core.embedded_postgres import embedded_postgres
    with embedded_postgres(Path(sys.argv[1])) as url:
        print(url, flush=True)
        if sys.argv[2] == "hang":
            time.sleep(600)
    """
)


def start(data_dir: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", START_AND_PRINT, str(data_dir), mode], stdout=subprocess.PIPE, text=True
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
