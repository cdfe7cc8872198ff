"""Reading a catalogue file into plain data, remembering where every value stood.

YAML is read with a loader that keeps dates and times as the strings they look like (a YAML 1.1
loader would turn an unquoted ``18:30`` into the base-60 number 1110 and ``2026-12-15`` into a
date object), so quoted and unquoted spellings arrive alike. Every value's line is kept in a map
keyed by its path, so that a problem can be reported with the line it is on.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
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
    is_json: bool = False
    outline: dict[Path_, int] = field(default_factory=dict)
    """Lines of the top-level values and of each record (paths of one or two parts), kept
    even when ``lines`` is not: :func:`yaml_lines` finds a record's text by them."""

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
    """An open mapping or list met while walking the event stream, and what it holds so far."""

    path: Path_
    is_mapping: bool
    container: dict[str, Any] | list[Any] | None  # None when not building
    awaiting_key: bool = True
    key: str = "?"
    index: int = 0
    keys: dict[str, int] = field(default_factory=dict)


@dataclass
class _Walk:
    """What one walk over the events found: refusals, lines, and (when building) the data."""

    refusals: list[tuple[Path_, str]] = field(default_factory=list)
    lines: dict[Path_, int] = field(default_factory=dict)
    outline: dict[Path_, int] = field(default_factory=dict)
    too_deep: bool = False
    anchors: bool = False
    unusual: bool = False  # a construct the walk does not build: the full loader must
    data: Any = None

    def refuse(self, path: Path_, line: int, message: str) -> None:
        self.refusals.append((path, message))
        self.lines.setdefault(path, line)


_STR = "tag:yaml.org,2002:str"
_CONSTRUCTORS = _StringyLoader.yaml_constructors
_MERGE = "tag:yaml.org,2002:merge"


def _scalar(event: yaml.ScalarEvent, loader: Any) -> Any:
    """Construct a scalar as the loader would, without its node graph or its object cache.

    Raises ``KeyError`` for a tag the loader does not know (the caller falls back to it).
    """
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag == _MERGE:
        raise KeyError(tag)
    node = yaml.ScalarNode(tag, event.value, None, None, event.style)  # marks: only for errors
    return _CONSTRUCTORS[tag](loader, node)


def _walk_yaml(text: str, *, build: bool, lines: bool | frozenset[Path_]) -> _Walk:
    """Walk the parser's events once (iteratively, so any depth is safe).

    Finds duplicate keys, anchors and aliases, and nesting deeper than :data:`MAX_DEPTH`, with
    the path and line of each; with ``build`` also builds the data, as the loader would but
    without its node graph (a third of the time, a fraction of the memory). ``lines`` is
    ``True`` for the line of every value, or the set of paths whose lines are wanted.
    """
    found = _Walk()
    stack: list[_Frame] = []
    loader = _StringyLoader("")
    documents = 0
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                _place(stack, found, stack.pop().container)
                continue
            if not isinstance(event, yaml.NodeEvent):
                documents += isinstance(event, yaml.DocumentStartEvent)
                found.unusual |= documents > 1  # the loader reports a second document
                continue
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            top = stack[-1] if stack else None
            path: Path_ = ()
            is_key = top is not None and top.is_mapping and top.awaiting_key
            if top is not None and top.is_mapping:
                path = top.path if top.awaiting_key else (*top.path, top.key)
            elif top is not None:
                path = (*top.path, top.index)
                top.index += 1
            if not is_key:
                if lines is True or (lines and path in lines):
                    found.lines[path] = line
                if len(path) <= 2:
                    found.outline[path] = line
            if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
                found.anchors = True
                found.refuse(path, line, ANCHOR_MESSAGE)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    found.too_deep = True
                    found.refuse(path, line, f"nested more than {MAX_DEPTH} levels deep")
                    return found
                found.unusual |= is_key
                mapping = isinstance(event, yaml.MappingStartEvent)
                container: dict[str, Any] | list[Any] | None = None
                if build and not found.unusual:
                    container = {} if mapping else []
                stack.append(_Frame(path, mapping, container))
                continue
            value: Any = None
            if isinstance(event, yaml.ScalarEvent) and (build or is_key) and not found.unusual:
                try:  # keys are built even when values are not: paths must match the data's
                    value = _scalar(event, loader)
                except (KeyError, yaml.YAMLError):
                    found.unusual = True
            if is_key and top is not None:
                key = str(value) if not found.unusual else getattr(event, "value", "?")
                if key in top.keys:
                    message = f"duplicate key {key!r} (also on line {top.keys[key]})"
                    found.refuse((*top.path, key), line, message)
                else:
                    top.keys[key] = line
                top.key = key
                top.awaiting_key = False
                continue
            _place(stack, found, value)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise SourceError(
            f"not valid YAML: {error.problem}", mark.line + 1 if mark is not None else None
        ) from error
    except yaml.YAMLError as error:
        raise SourceError(f"not valid YAML: {error}") from error
    except ValueError as error:  # an explicitly tagged value Python cannot hold (!!int 9999…)
        raise SourceError(f"not valid YAML: a value that cannot be read ({error!s:.80})") from error
    finally:
        loader.dispose()
    return found


def _place(stack: list[_Frame], found: _Walk, value: Any) -> None:
    """Put a finished value into its parent (or make it the document)."""
    if not stack:
        found.data = value
        return
    parent = stack[-1]
    if not parent.is_mapping:
        if isinstance(parent.container, list):
            parent.container.append(value)
    elif parent.awaiting_key:  # a mapping or list used as a key (the walk only screens it)
        parent.key, parent.awaiting_key = "?", False
    else:
        if isinstance(parent.container, dict):
            parent.container[parent.key] = value
        parent.awaiting_key = True


def yaml_lines(
    text: str, paths: frozenset[Path_], outline: dict[Path_, int] | None = None
) -> dict[Path_, int]:
    """The lines of the given paths (those present in the text).

    With the document's ``outline``, only the text of the records the paths lie in is read
    again (a problem in the last of 85,000 records costs one record, not the file); without
    it, or when a record's text cannot be read alone (flow style), the whole text is walked.
    """
    if not outline:
        return _walk_yaml(text, build=False, lines=paths).lines
    found = {path: outline[path] for path in paths if path in outline}
    by_record: dict[Path_, set[Path_]] = {}
    for path in paths:
        if len(path) > 2 and path[:2] in outline:
            by_record.setdefault(path[:2], set()).add(path[2:])
    if not by_record:
        return found
    starts = sorted(set(outline.values()))
    spans = {}
    for record in by_record:
        after = bisect_right(starts, outline[record])
        spans[record] = (outline[record], starts[after] if after < len(starts) else None)
    offsets = _line_offsets(text, {line for span in spans.values() for line in span if line})
    for record, inner in by_record.items():
        first, following = spans[record]
        snippet = text[offsets[first] : offsets[following] if following else len(text)]
        try:
            walk = _walk_yaml(snippet, build=False, lines=frozenset((0, *p) for p in inner))
        except SourceError:
            return _walk_yaml(text, build=False, lines=paths).lines
        if walk.outline.get((0,)) != 1 or (1,) in walk.outline:  # not one block item alone
            return _walk_yaml(text, build=False, lines=paths).lines
        for path, line in walk.lines.items():
            found[(*record, *path[1:])] = line + first - 1
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


def _line_offsets(text: str, lines: set[int]) -> dict[int, int]:
    """Where each of the given (1-based) lines begins in the text, in one pass."""
    offsets: dict[int, int] = {}
    line, position = 1, 0
    for wanted in sorted(lines):
        while line < wanted and position >= 0:
            position = text.find("\n", position) + 1 or -1
            line += 1
        offsets[wanted] = position if position >= 0 else len(text)
    return offsets


def parse_yaml(text: str, *, track_lines: bool = True) -> Document:
    """Parse YAML text into a :class:`Document`; raise :class:`SourceError` when unreadable.

    Tracking lines costs time and memory; a valid file does not need them, so importers read
    without and then look up only the lines of the problems found (:func:`yaml_lines`).

    Duplicate keys, anchors, aliases and too deep nesting are found in the same walk and kept
    as the document's ``refusals``; an alias-laden or too deep document is not built further.
    """
    walk = _walk_yaml(text, build=True, lines=track_lines)
    if walk.too_deep or walk.anchors:
        return Document({}, walk.lines, walk.refusals, complete=False)
    if walk.unusual:  # explicit tags, merge keys, complex keys, several documents
        document = _load_yaml(text, track_lines=track_lines or bool(walk.refusals))
        document.refusals = walk.refusals
        document.lines.update({path: walk.lines[path] for path, _ in walk.refusals})
        return document
    if walk.data is None:
        raise SourceError("the file is empty")
    return Document(walk.data, walk.lines, walk.refusals, outline=walk.outline)


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


_JSON_SCAN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]|[^\s\[\]{}:,"]+')


@dataclass
class _Container:
    """An open JSON object or array met while scanning for lines."""

    path: Path_
    is_object: bool
    expect_key: bool = True
    key: str = "?"
    index: int = 0
    keys: dict[str, int] = field(default_factory=dict)


def json_lines(text: str) -> dict[Path_, int]:
    """The line of every value of a well-formed JSON text, keyed by its path."""
    return _scan_json(text)[0]


def _scan_json(text: str) -> tuple[dict[Path_, int], list[tuple[Path_, str]]]:
    """Lines of every value, and the keys written twice in one object (as refusals).

    A scan over tokens with an explicit stack (no recursion, so any depth is safe); run only
    on text ``json.loads`` accepted and only when there are problems to report.
    """
    lines: dict[Path_, int] = {}
    duplicates: list[tuple[Path_, str]] = []
    stack: list[_Container] = []
    line, position = 1, 0
    for match in _JSON_SCAN.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        token = match.group()
        top = stack[-1] if stack else None
        if token in ("}", "]"):
            stack.pop()
            continue
        if token == ",":
            if top is not None and top.is_object:
                top.expect_key = True
            continue
        if token == ":":
            if top is not None:
                top.expect_key = False
            continue
        if top is not None and top.is_object and top.expect_key:
            top.key = json.loads(token)
            if top.key in top.keys:
                message = f"duplicate key {top.key!r} (also on line {top.keys[top.key]})"
                duplicates.append(((*top.path, top.key), message))
            else:
                top.keys[top.key] = line
            continue
        path: Path_ = ()
        if top is not None:
            path = (*top.path, top.key) if top.is_object else (*top.path, top.index)
            if not top.is_object:
                top.index += 1
        lines[path] = line
        if token in ("{", "["):
            stack.append(_Container(path, token == "{"))
    return lines, duplicates


def parse_json(text: str, *, track_lines: bool = True) -> Document:
    """Parse JSON text into a :class:`Document`, with the line of every value if asked."""
    deep = _json_too_deep(text)
    if deep is not None:
        message = f"nested more than {MAX_DEPTH} levels deep"
        return Document({}, {(): deep}, [((), message)], complete=False)

    repeated = False

    def noting_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        result = dict(pairs)
        repeated = repeated or len(result) < len(pairs)
        return result

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > 100:  # Python refuses more than 4,300 digits anyway
            raise SourceError(f"a number of {len(digits)} digits")
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=noting_duplicates, parse_int=bounded_int)
    except json.JSONDecodeError as error:
        raise SourceError(f"not valid JSON: {error.msg}", error.lineno) from error
    if not (track_lines or repeated):
        return Document(data)
    # Keys written twice are refused like YAML's, each with both lines (the last value is kept
    # so that the rest of the file is still checked).
    lines, duplicates = _scan_json(text)
    return Document(data, lines, duplicates)


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """A catalogue file's text; a file larger than ``max_bytes`` is refused before reading."""
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
    return text


def read_document(
    path: Path, *, track_lines: bool = True, max_bytes: int = MAX_FILE_BYTES
) -> Document:
    """Read a catalogue file; JSON by its ``.json`` suffix or leading brace, YAML otherwise.

    A file larger than ``max_bytes`` is refused before it is read.
    """
    text = read_text(path, max_bytes)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        document = parse_json(text, track_lines=track_lines)
        document.is_json = True
        return document
    return parse_yaml(text, track_lines=track_lines)


def _size(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    return f"{count} bytes"
