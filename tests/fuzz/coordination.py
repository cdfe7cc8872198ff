"""The coordination file's entry: any file content gives desks or a clear refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from bot.coordination_file import CoordinationError, load_desks
from tests.fuzz.tally import Tally
from tests.fuzz.texts import hostile_text, short_text

ids = st.one_of(
    st.sampled_from(("telegram:123", "telegram:-100123", "matrix:@a:example.org",
                     "matrix:!room:example.org", "telegram:²", "telegram:" + "9" * 5000,
                     "kotoutuminen@louhela.fi", "a@b", "")),
    short_text,
)  # fmt: skip
values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ids),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(short_text, inner, max_size=3)
    ),
    max_leaves=8,
)
networks = st.dictionaries(
    st.one_of(st.sampled_from(("nurmijarvi", "espoo")), short_text, st.integers()),
    st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "coordinators": st.one_of(st.lists(ids, max_size=3), values),
                "chats": st.one_of(st.lists(ids, max_size=3), values),
                "emails": st.one_of(st.lists(ids, max_size=3), values),
                "other": values,
            },
        ),
        values,
    ),
    max_size=3,
)
#: Documents as YAML text (some valid), broken YAML, anchors, deep nesting, other encodings.
contents = st.one_of(
    st.builds(lambda n: yaml.safe_dump({"networks": n}, allow_unicode=True), networks),
    st.builds(lambda v: yaml.safe_dump(v, allow_unicode=True), values),
    hostile_text,
    st.sampled_from((
        "networks: &a [*a]",
        "a: &a [x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b]\n"
        "networks: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
        "networks:\n  x: !!python/object/apply:os.system ['true']",
        "[" * 50_000 + "]" * 50_000,
        "networks: {" + "a: {" * 5_000 + "}" * 5_001,
        "networks: !!binary AAAA",
        "? [a, b]\n: c",
        "\ufeffnetworks: {}",
        "networks:\n\tx: 1",
    )),
).map(lambda text: text.encode("utf-8", "surrogatepass"))  # fmt: skip
raw_files = st.one_of(
    contents, st.binary(max_size=200), st.sampled_from((b"\xff\xfe\x00n", b"networks: \x80"))
)


class CoordinationEntry:
    """Writes each content to a file and loads it as the bot does at start."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "coordination.yaml"
        self.tally = Tally("coordination file", None, "characters")

    async def feed(self, given: bytes) -> None:
        """Desks, or a :class:`CoordinationError` whose message is a sentence (no traceback)."""
        self.path.write_bytes(given)
        try:
            load_desks(self.path)
        except CoordinationError as error:
            self.tally.measure(len(str(error)), given, "the refusal")
