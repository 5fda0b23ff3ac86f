"""``lpse-hub serve`` on a socket it inherits (``--fd``, or systemd's ``LISTEN_FDS``): the address it
reports is the socket's, and a descriptor that is not a listening TCP socket is a one-line error."""

from __future__ import annotations

import os
import socket
import tempfile

import pytest
import typer

from cli.serve import SYSTEMD_FIRST_FD, activated_socket, bound_address


def test_the_address_is_read_off_the_inherited_socket() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        assert bound_address(listening.fileno()) == ("127.0.0.1", listening.getsockname()[1])


def test_a_socket_not_listening_or_not_a_socket_is_refused_in_one_line() -> None:
    with socket.socket() as bound_only:
        bound_only.bind(("127.0.0.1", 0))
        with pytest.raises(typer.BadParameter, match="is not a listening TCP socket"):
            bound_address(bound_only.fileno())
    with tempfile.TemporaryFile() as file, pytest.raises(typer.BadParameter, match="is not a socket"):
        bound_address(file.fileno())


def test_systemds_socket_is_taken_only_when_it_was_passed_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LISTEN_PID", raising=False)
    assert activated_socket() is None
    monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
    monkeypatch.setenv("LISTEN_FDS", "1")
    assert activated_socket() == SYSTEMD_FIRST_FD
    monkeypatch.setenv("LISTEN_PID", str(os.getpid() + 1))  # passed to another process (a parent)
    assert activated_socket() is None
