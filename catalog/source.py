"""Reading a catalogue file into plain data, remembering where every value stood.

YAML is read with a loader that keeps dates and times as the strings they look like (a YAML 1.1
loader would turn an unquoted ``18:30`` into the base-60 number 1110 and ``2026-12-15`` into a
date object), so quoted and unquoted spellings arrive alike. Every value's line is kept in a map
keyed by its path, so that a problem can be reported with the line it is on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class SourceError(Exception):
    """The file is not readable YAML or JSON at all."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Document:
    """Plain data (dicts, lists, strings, numbers, booleans) and the line of every path."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while True:
            line = self.lines.get(path)
            if line is not None or not path:
                return line
            path = path[:-1]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _StringyLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe loader whose implicit timestamps and sexagesimal numbers stay strings."""


def _strip_resolvers() -> None:
    # Rebuild the implicit resolvers without the timestamp resolver, and with an int/float
    # resolver that no longer accepts base-60 (``18:30``) forms.
    resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [
            (tag, regexp)
            for tag, regexp in entries
            if tag
            not in (
                "tag:yaml.org,2002:timestamp",
                "tag:yaml.org,2002:int",
                "tag:yaml.org,2002:float",
            )
        ]
        resolvers[first] = kept
    _StringyLoader.yaml_implicit_resolvers = resolvers
    _StringyLoader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
        list("-+0123456789"),
    )
    _StringyLoader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
            r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )


_strip_resolvers()


def _convert(node: yaml.Node, path: Path_, lines: dict[Path_, int], loader: yaml.Loader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise SourceError(f"key {key!r} appears twice", key_node.start_mark.line + 1)
            result[key] = _convert(value_node, (*path, key), lines, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), lines, loader) for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, *, track_lines: bool = True) -> Document:
    """Parse YAML text into a :class:`Document`; raise :class:`SourceError` when unreadable.

    Tracking lines costs a third more time; a valid file does not need them, so importers
    read without and read again with lines only when there is something to report.
    """
    loader = _StringyLoader(text)
    try:
        lines: dict[Path_, int] = {}
        if track_lines:
            node = loader.get_single_node()
            data = None if node is None else _convert(node, (), lines, loader)
        else:
            data = loader.get_single_data()
        if data is None:
            raise SourceError("the file is empty")
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(f"not valid YAML: {error.problem}", line) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(f"not valid YAML: {error.problem}", line) from error
    except yaml.YAMLError as error:
        raise SourceError(f"not valid YAML: {error}") from error
    finally:
        loader.dispose()
    return Document(data, lines)


def parse_json(text: str) -> Document:
    """Parse JSON text into a :class:`Document` (JSON carries no useful line map)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise SourceError(f"key {key!r} appears twice")
            result[key] = value
        return result

    try:
        return Document(json.loads(text, object_pairs_hook=no_duplicates))
    except json.JSONDecodeError as error:
        raise SourceError(f"not valid JSON: {error.msg}", error.lineno) from error


def read_document(path: Path, *, track_lines: bool = True) -> Document:
    """Read a catalogue file; JSON by its ``.json`` suffix or leading brace, YAML otherwise."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError("the file is not UTF-8 text") from error
    if "\x00" in text:
        raise SourceError("the file is binary, not text")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return parse_json(text)
    return parse_yaml(text, track_lines=track_lines)
