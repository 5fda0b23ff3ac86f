"""uvicorn serving on an inherited listening socket, taken with its real address family.

uvicorn's own ``--fd`` wraps the descriptor as a Unix socket (``socket.fromfd(fd, AF_UNIX, ...)``),
whatever it is. asyncio sets ``TCP_NODELAY`` only on the connections of a TCP socket, so on such a
socket Nagle's algorithm stays on, and a response uvicorn writes in two parts (head, then body)
waits for the client's delayed acknowledgement: about 40 ms on every response (docs/BENCHMARKS.md,
"Issue 20: the event loop"). ``socket.socket(fileno=fd)`` reads the family from the descriptor.

``lpse-hub serve --fd`` (and systemd's ``LISTEN_FDS``) serve through ``serve_on_socket``; the tests'
live hubs run this module (``python -m cli.inherited_socket --fd N``).
"""

from __future__ import annotations

import argparse
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "hub.web.app:create_app"


def inherited_socket(fd: int) -> socket.socket:
    """The listening socket ``fd``, with the family, type and protocol the kernel says it has."""
    return socket.socket(fileno=fd)


def serve_on_socket(config: uvicorn.Config, fd: int) -> None:
    """Serve ``config``'s app on the inherited socket ``fd`` (as ``uvicorn.run`` would with ``fd``),
    in ``config.workers`` processes when more than one."""
    sockets = [inherited_socket(fd)]
    if config.workers > 1:
        Multiprocess(config, sockets=sockets).run()
    else:
        uvicorn.Server(config).run(sockets=sockets)


def main() -> None:
    """``python -m cli.inherited_socket --fd N``: the hub's app on socket N, one worker, no proxy
    headers trusted by uvicorn (the app decides which proxies to trust), as ``lpse-hub serve``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    config = uvicorn.Config(APP, factory=True, proxy_headers=False, log_level=args.log_level)
    serve_on_socket(config, args.fd)


if __name__ == "__main__":
    main()
