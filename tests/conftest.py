"""Shared fixtures: the demo catalogue, copied into the project so tests stand alone."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.model import Catalogue
from catalog.parse import load_catalogue

# PTB 22 warns when it builds RetryAfter unless durations are timedeltas; warnings are errors.
os.environ.setdefault("PTB_TIMEDELTA", "true")

pytest_plugins = ["tests.matrix_server.fixtures", "tests.telegram_server.fixtures"]

DEMO = Path(__file__).resolve().parent.parent / "catalog" / "data" / "demo-catalog.yaml"


@pytest.fixture(scope="session")
def demo_path() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo() -> Catalogue:
    return load_catalogue(DEMO)


@pytest.fixture(autouse=True)
def thawed_heap() -> Iterator[None]:
    """A test that starts the bot (which settles its heap) leaves the collector as it was."""
    yield
    gc.unfreeze()
