"""Structural checks against ``tarjotin.schema.json``, with messages a coordinator can act on.

The schema is the same one shipped beside FORMAT.md; jsonschema finds every structural problem
in one pass and this module rewrites its messages into plain language.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

if TYPE_CHECKING:  # jsonschema (~8 MiB with its referencing) is imported only for a bad file
    from jsonschema import Draft202012Validator, ValidationError
    from jsonschema.protocols import Validator

from catalog.problems import Problem, problem_at
from catalog.source import Document, Path_

_FIELD_SHAPES = {
    "id": "an id: 1–48 characters of a-z, 0-9 and '-', starting with a letter",
    "start": "a local date-time like \"2026-08-18T17:00\"",
    "end": "a local time like \"18:30\" (or date-time for one-off dates)",
    "until": "a date like \"2026-12-15\"",
    "except": "a date like \"2026-12-15\"",
    "duration": "an ISO 8601 duration like \"PT1H30M\"",
    "email": "an e-mail address",
    "phone": "a phone number like \"+358 40 000 1001\"",
    "url": "a web address starting with http:// or https://",
    "timezone": "an IANA time zone such as \"Europe/Helsinki\"",
    "languages": "a two-letter language code such as \"fi\"",
    "rrule": "an RRULE such as \"FREQ=WEEKLY;BYDAY=TU\"",
    "address": "one line of text",
}

_TEXT_FIELDS = frozenset({"name", "title", "description", "cost", "registration", "accessibility"})


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the format, as shipped inside the package."""
    text = resources.files("catalog").joinpath("data/tarjotin.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


_RECORDS = {
    "networks": "network",
    "organisations": "organisation",
    "places": "place",
    "activities": "activity",
}


@cache
def _top_schema() -> dict[str, Any]:
    """The schema of the top level alone: the record lists' sizes, not their records."""
    top = copy.deepcopy(schema())
    for collection in _RECORDS:
        top["properties"][collection].pop("items", None)
    return top


@cache
def _quick_check(definition: str | None = None) -> Any:
    # Compiled to Python code: ten times faster than jsonschema, but it stops at the first
    # problem, so it only decides whether the thorough pass is needed (and for what).
    if definition is None:
        return fastjsonschema.compile(_top_schema())
    return fastjsonschema.compile({"$ref": f"#/$defs/{definition}", "$defs": schema()["$defs"]})


@cache
def _thorough(definition: str | None = None) -> Validator:
    if definition is None:
        return _validator().evolve(schema=_top_schema())
    return _validator().evolve(schema={"$ref": f"#/$defs/{definition}"})


def _last_key(path: Path_) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return ""


def _messages(error: ValidationError, prefix: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    path: Path_ = (*prefix, *error.absolute_path)
    key = _last_key(path)
    validator = error.validator
    # jsonschema types these as possibly unset; on an error raised by a validator they are set.
    instance: Any = error.instance
    value: Any = error.validator_value
    schema_here: Any = error.schema
    if validator == "required":
        missing = [name for name in value if name not in instance]
        for name in missing:
            yield (*path, name), "is required but missing"
    elif validator == "additionalProperties":
        allowed = set(schema_here.get("properties", {}))
        pattern_props = schema_here.get("propertyNames")
        for name in instance:
            if name not in allowed and not pattern_props:
                yield (*path, name), f"unknown key {name!r}"
    elif validator == "propertyNames":
        yield path, f"{instance!r} is not a language code such as \"fi\" or \"fi-x-plain\""
    elif validator == "enum":
        choices = ", ".join(str(choice) for choice in value)
        yield path, f"{instance!r} is not one of: {choices}"
    elif validator == "const":
        yield path, f"must be exactly {value!r}"
    elif validator == "type" and key in _TEXT_FIELDS and not isinstance(instance, dict):
        yield path, "a text needs a language: write it as {fi: ...} or {en: ...}"
    elif validator == "type":
        wanted = _TYPE_NAMES.get(str(value), value)
        yield path, f"should be {wanted}"
    elif validator == "pattern":
        shape = _FIELD_SHAPES.get(key, "a value of the right shape")
        if key == "rrule" and isinstance(instance, str) and "DTSTART" in instance:
            yield path, "write DTSTART as 'start', not inside the RRULE"
        else:
            yield path, f"{instance!r} is not {shape}"
    elif validator == "not" and key == "rrule":
        yield path, "write DTSTART as 'start', not inside the RRULE"
    elif validator in ("minItems", "minProperties", "minLength"):
        yield path, "must not be empty"
    elif validator == "maxItems":
        yield path, f"has more than {value:,} items"
    elif validator == "maxLength":
        yield path, f"is longer than {value:,} characters"
    elif validator == "maxProperties":
        entries = "languages" if key in _TEXT_FIELDS else "entries"
        yield path, f"has more than {value} {entries}"
    elif validator == "uniqueItems":
        yield path, "lists the same value twice"
    elif validator in ("minimum", "maximum"):
        yield path, f"{instance!r} is out of range"
    elif validator == "oneOf" and isinstance(instance, dict) and "rrule" in instance:
        yield path, "give either 'end' or 'duration' (exactly one of them)"
    elif validator == "then" or (validator == "not" and "online" in instance):
        yield path, "an online place needs a 'url' and no 'address'"
    else:
        yield path, error.message


_TYPE_NAMES = {
    "object": "a mapping of keys to values",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    # The place's if/then and the rule's oneOf report through their own messages; other
    # combinators are not used by the schema at record level.
    if error.validator in ("allOf",) and error.context:
        for sub in error.context:
            yield from _leaf_errors(sub)
    else:
        yield error


def structural_problems(document: Document) -> list[Problem]:
    """Every structural problem of the document, in file order.

    The top level and each record are checked on their own, quickly; only what fails is
    checked again thoroughly for its messages. So one bad record among 85,000 costs about what
    a valid file costs, instead of a thorough pass over everything.
    """
    problems: set[Problem] = set()
    for prefix, definition, value in _parts(document.data):
        try:
            _quick_check(definition)(value)
        except fastjsonschema.JsonSchemaException:
            for error in _thorough(definition).iter_errors(value):
                for leaf in _leaf_errors(error):
                    for path, message in _messages(leaf, prefix):
                        problems.add(problem_at(document, path, message))
    return sorted(problems, key=lambda p: (p.line or 0, p.record, p.field, p.message))


def _parts(data: Any) -> Iterator[tuple[Path_, str | None, Any]]:
    """The top level, then every record with its definition in the schema."""
    yield (), None, data
    if not isinstance(data, dict):
        return
    for collection, definition in _RECORDS.items():
        records = data.get(collection)
        if isinstance(records, list):
            for index, record in enumerate(records):
                yield (collection, index), definition, record
