"""The suite must never reach the network: the guard in conftest refuses non-loopback connections."""

from __future__ import annotations

import socket

import pytest


def test_outside_address_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(OSError, match="network"):
        s.connect(("192.0.2.1", 80))  # TEST-NET-1, never routed


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.connect(server.getsockname())
            assert client.getpeername() == server.getsockname()
