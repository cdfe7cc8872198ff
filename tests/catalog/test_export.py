"""Export writes the catalogue back deterministically: import → export → import → export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings

from catalog.export import ExportFormat, export_text
from catalog.model import Catalogue
from catalog.parse import load_catalogue, parse_document
from catalog.source import parse_json, parse_yaml
from tests.strategies import catalogues


def reimport(text: str, fmt: ExportFormat) -> Catalogue:
    return parse_document(parse_yaml(text) if fmt == "yaml" else parse_json(text))


def test_demo_round_trips_to_the_same_bytes(demo_path: Path, demo: Catalogue) -> None:
    for fmt in ("yaml", "json"):
        first = export_text(demo, fmt)
        again = reimport(first, fmt)
        assert again == demo
        assert export_text(again, fmt) == first


def test_export_keeps_the_content_of_the_source_file(demo_path: Path, demo: Catalogue) -> None:
    source = yaml.safe_load(demo_path.read_text("utf-8"))
    exported = yaml.safe_load(export_text(demo))
    assert exported["activities"][0]["schedule"] == [
        {k: str(v) if not isinstance(v, list) else [str(d) for d in v] for k, v in rule.items()}
        for rule in source["activities"][0]["schedule"]
    ]
    assert [a["id"] for a in exported["activities"]] == [a["id"] for a in source["activities"]]


def test_times_are_quoted_so_any_yaml_loader_reads_strings(demo: Catalogue) -> None:
    data = yaml.safe_load(export_text(demo))  # a plain YAML 1.1 loader
    rule = data["activities"][0]["schedule"][0]
    assert isinstance(rule["end"], str)
    assert isinstance(rule["until"], str)
    assert all(isinstance(day, str) for day in rule["except"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_generated_catalogues_round_trip(raw: dict[str, Any]) -> None:
    original = parse_document(parse_json(json.dumps(raw)))
    for fmt in ("yaml", "json"):
        first = export_text(original, fmt)
        again = reimport(first, fmt)
        assert again == original
        assert export_text(again, fmt) == first


def test_export_of_a_file_equals_export_of_its_json_twin(tmp_path: Path, demo: Catalogue) -> None:
    path = tmp_path / "demo.json"
    path.write_text(export_text(demo, "json"), encoding="utf-8")
    assert export_text(load_catalogue(path)) == export_text(demo)
