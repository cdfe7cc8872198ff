"""Pytest fixtures for tests that need a real Matrix homeserver.

Load them with ``pytest_plugins = ["tests.matrix_server.fixtures"]`` in the root conftest (or
re-export them from a directory's conftest). The session fixture is synchronous on purpose:
it owns a subprocess, not an event loop, so it works under pytest-asyncio's function-scoped
loops; tests talk to the server with their own async clients.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from typing import Protocol

import pytest

from tests.matrix_server.synapse import MatrixUser, SynapseServer, ensure_installed

SKIP_ENV = "TARJOTIN_SKIP_SYNAPSE"


class UserFactory(Protocol):
    """Registers a fresh account each call."""

    def __call__(
        self, prefix: str = "user", *, admin: bool = False, rate_limited: bool = False
    ) -> MatrixUser:
        """Register a uniquely named user; unless ``rate_limited``, exempt it from rate limits."""
        ...


def skip_requested() -> bool:
    """Tell whether the environment asks to skip every test that needs Synapse."""
    return os.environ.get(SKIP_ENV, "") == "1"


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """Install (if needed) and start one Synapse for the whole session; stop it at the end."""
    if skip_requested():
        pytest.skip(f"{SKIP_ENV}=1: tests that need a Synapse homeserver are skipped")
    server = SynapseServer(ensure_installed(), tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


_serial = itertools.count(1)


def unique_localpart(prefix: str) -> str:
    """Return a localpart no other test in this session (or an earlier one) will use."""
    return f"{prefix}-{next(_serial)}-{secrets.token_hex(3)}".lower()


@pytest.fixture
def matrix_user(synapse: SynapseServer) -> UserFactory:
    """Return a factory of fresh users, exempt from rate limits unless asked otherwise."""

    def make(
        prefix: str = "user", *, admin: bool = False, rate_limited: bool = False
    ) -> MatrixUser:
        user = synapse.register(unique_localpart(prefix), secrets.token_hex(12), admin=admin)
        if not rate_limited:
            synapse.remove_rate_limits(user.user_id)
        return user

    return make
