"""The event walk builds exactly what the YAML loader builds, without its node graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.source import Document, SourceError, _load_yaml, parse_yaml, yaml_lines
from tests.strategies import catalogues

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["18:30", "2026-12-15", "0x1F", "0o17", "1_000", "yes", "off", "~", "-.inf"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=30,
)


def outcome(read: Callable[[], Document]) -> Any:
    try:
        return read().data
    except SourceError as error:
        return str(error), error.line


def both(text: str) -> tuple[Any, Any]:
    return (
        outcome(lambda: parse_yaml(text, track_lines=False)),
        outcome(lambda: _load_yaml(text, track_lines=False)),
    )


@settings(max_examples=200, deadline=None)
@given(value=st.dictionaries(st.text(min_size=1, max_size=8), VALUES, min_size=1, max_size=5),
       flow=st.booleans())
def test_any_plain_document_is_built_alike(value: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    walked, loaded = both(text)
    assert walked == loaded


@settings(max_examples=30, deadline=None)
@given(document=catalogues())
def test_catalogues_are_built_alike_with_every_line(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    walked = parse_yaml(text, track_lines=True)
    loaded = _load_yaml(text, track_lines=True)
    assert walked.data == loaded.data
    assert walked.lines == loaded.lines
    wanted = frozenset(list(loaded.lines)[::7])
    expected = {path: loaded.lines[path] for path in wanted}
    assert yaml_lines(text, wanted) == expected
    assert yaml_lines(text, wanted, walked.outline) == expected  # records read alone


def test_lines_of_records_in_flow_style_are_found_in_the_whole_text() -> None:
    text = "a: 1\nactivities: [{id: x, kinds: [k]}, {id: y,\n  kinds: [k]}]\n"
    document = parse_yaml(text, track_lines=False)
    wanted = frozenset({("activities", 1, "kinds"), ("activities", 0, "kinds", 0)})
    assert yaml_lines(text, wanted, document.outline) == {
        ("activities", 1, "kinds"): 3,
        ("activities", 0, "kinds", 0): 2,
    }


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 18:30\nb: !!int '12'\n",
        "base: {x: 1}\nmerged:\n  <<: {y: 2}\n  z: 3\n",
        "? [complex, key]\n: value\nafter: 1\n",
        "a: !!binary aGVsbG8=\n",
    ],
)
def test_unusual_yaml_falls_back_to_the_loader(text: str) -> None:
    walked, loaded = both(text)
    assert walked == loaded


def test_a_second_document_is_refused_like_the_loader_does() -> None:
    with pytest.raises(SourceError, match="another document"):
        parse_yaml("a: 1\n---\nb: 2\n")


def test_a_syntax_error_names_its_line() -> None:
    with pytest.raises(SourceError) as caught:
        parse_yaml("a: 1\nb: [2\nc: 3\n")
    assert caught.value.line is not None
    assert "not valid YAML" in str(caught.value)
