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


MAX_DEPTH = 32
"""Deepest nesting of mappings and lists a catalogue may use (the format itself needs 6)."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Default largest catalogue file read (64 MiB); ``read_document`` takes another bound."""

ANCHOR_MESSAGE = "the format does not use anchors or aliases"


@dataclass
class Document:
    """Plain data (dicts, lists, strings, numbers, booleans) and the line of every path.

    ``refusals`` are problems found while reading (duplicate keys, anchors and aliases, too
    deep nesting), each at a path whose line is in ``lines``. When ``complete`` is false the
    data could not be read safely and nothing but the refusals should be checked.
    """

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    refusals: list[tuple[Path_, str]] = field(default_factory=list)
    complete: bool = True

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
        # At most 100 digits: a longer "number" stays a string (Python refuses to convert
        # more than 4,300 digits, and no field of the format needs more than a few).
        re.compile(
            r"^(?:[-+]?0b[0-1_]{1,100}|[-+]?0[0-7_]{1,100}|[-+]?(?:0|[1-9][0-9_]{0,99})"
            r"|[-+]?0x[0-9a-fA-F_]{1,100})$"
        ),
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


@dataclass
class _Frame:
    """An open mapping or list met while screening the event stream."""

    path: Path_
    is_mapping: bool
    awaiting_key: bool = True
    key: str = "?"
    index: int = 0
    keys: dict[str, int] = field(default_factory=dict)


@dataclass
class _Screening:
    refusals: list[tuple[Path_, str]] = field(default_factory=list)
    lines: dict[Path_, int] = field(default_factory=dict)
    too_deep: bool = False
    anchors: bool = False

    def refuse(self, path: Path_, line: int, message: str) -> None:
        self.refusals.append((path, message))
        self.lines.setdefault(path, line)


def _screen_yaml(text: str) -> _Screening:
    """Walk the parser's events (iteratively, so any depth is safe) before building anything.

    Finds duplicate keys, anchors and aliases, and nesting deeper than :data:`MAX_DEPTH`, with
    the path and line of each. Syntax errors are left to the real load.
    """
    found = _Screening()
    stack: list[_Frame] = []
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            if stack and stack[-1].is_mapping:
                stack[-1].awaiting_key = not stack[-1].awaiting_key
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        top = stack[-1] if stack else None
        path: Path_ = ()
        if top is not None and top.is_mapping:
            path = top.path if top.awaiting_key else (*top.path, top.key)
            if top.awaiting_key:
                key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
                if isinstance(event, yaml.ScalarEvent):
                    if key in top.keys:
                        message = f"duplicate key {key!r} (also on line {top.keys[key]})"
                        found.refuse((*top.path, key), line, message)
                    else:
                        top.keys[key] = line
                top.key = key
        elif top is not None:
            path = (*top.path, top.index)
            top.index += 1
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            found.anchors = True
            found.refuse(path, line, ANCHOR_MESSAGE)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                found.too_deep = True
                found.refuse(path, line, f"nested more than {MAX_DEPTH} levels deep")
                return found
            stack.append(_Frame(path, isinstance(event, yaml.MappingStartEvent)))
        elif top is not None and top.is_mapping:
            top.awaiting_key = not top.awaiting_key
    return found


def _convert(node: yaml.Node, path: Path_, lines: dict[Path_, int], loader: yaml.Loader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
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

    Duplicate keys, anchors, aliases and too deep nesting are found first and kept as the
    document's ``refusals``; an alias-laden or too deep document is not built further.
    """
    try:
        screening = _screen_yaml(text)
    except yaml.YAMLError:
        screening = _Screening()  # the load below reports the syntax error with its line
    if screening.too_deep or screening.anchors:
        return Document({}, screening.lines, screening.refusals, complete=False)
    document = _load_yaml(text, track_lines=track_lines or bool(screening.refusals))
    document.refusals = screening.refusals
    for path, line in screening.lines.items():
        document.lines[path] = line
    return document


def _load_yaml(text: str, *, track_lines: bool) -> Document:
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
    except ValueError as error:  # an explicitly tagged value Python cannot hold (!!int 9999…)
        raise SourceError(f"not valid YAML: a value that cannot be read ({error!s:.80})") from error
    finally:
        loader.dispose()
    return Document(data, lines)


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_too_deep(text: str) -> int | None:
    """The line where JSON nesting first passes :data:`MAX_DEPTH`, or ``None``.

    Counted without recursion: Python's JSON decoder recurses and would overflow first.
    """
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif token in "]}":
            depth -= 1
    return None


def parse_json(text: str) -> Document:
    """Parse JSON text into a :class:`Document` (JSON carries no useful line map)."""
    deep = _json_too_deep(text)
    if deep is not None:
        message = f"nested more than {MAX_DEPTH} levels deep"
        return Document({}, {(): deep}, [((), message)], complete=False)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise SourceError(f"duplicate key {key!r}")
            result[key] = value
        return result

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > 100:  # Python refuses more than 4,300 digits anyway
            raise SourceError(f"a number of {len(digits)} digits")
        return int(digits)

    try:
        return Document(
            json.loads(text, object_pairs_hook=no_duplicates, parse_int=bounded_int)
        )
    except json.JSONDecodeError as error:
        raise SourceError(f"not valid JSON: {error.msg}", error.lineno) from error


def read_document(
    path: Path, *, track_lines: bool = True, max_bytes: int = MAX_FILE_BYTES
) -> Document:
    """Read a catalogue file; JSON by its ``.json`` suffix or leading brace, YAML otherwise.

    A file larger than ``max_bytes`` is refused before it is read.
    """
    try:
        with path.open("rb") as file:
            raw = file.read(max_bytes + 1)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from error
    if len(raw) > max_bytes:
        raise SourceError(
            f"the file is larger than the limit of {_size(max_bytes)}; split the catalogue"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError("the file is not UTF-8 text") from error
    if "\x00" in text:
        raise SourceError("the file is binary, not text")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return parse_json(text)
    return parse_yaml(text, track_lines=track_lines)


def _size(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    return f"{count} bytes"
