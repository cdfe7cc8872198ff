"""Shared fixtures: the demo catalogue, copied into the project so tests stand alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.model import Catalogue
from catalog.parse import load_catalogue

DEMO = Path(__file__).resolve().parent.parent / "catalog" / "data" / "demo-catalog.yaml"


@pytest.fixture(scope="session")
def demo_path() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo() -> Catalogue:
    return load_catalogue(DEMO)
