"""Pseudonymous log ids: a keyed hash stands in for every platform id in a log line."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator

import pytest

from handlers.core.log_ids import LENGTH, key_label, pseudonym, use_key, who

ID = "telegram:7318264059"


@pytest.fixture(autouse=True)
def fresh_key() -> Iterator[None]:
    use_key(lambda: b"k" * 32)
    yield
    use_key(lambda: secrets.token_bytes(32))


def test_a_pseudonym_is_short_hex_stable_for_a_key_and_changes_with_it() -> None:
    first = pseudonym(ID)
    assert re.fullmatch(rf"[0-9a-f]{{{LENGTH}}}", first)
    assert pseudonym(ID) == first
    assert pseudonym("telegram:7318264058") != first
    use_key(lambda: b"another key, as in another install")
    assert pseudonym(ID) != first


def test_the_key_is_read_once_and_only_when_an_id_is_logged() -> None:
    reads: list[int] = []

    def source() -> bytes:
        reads.append(1)
        return b"s" * 32

    use_key(source)
    assert reads == []
    pseudonym(ID)
    pseudonym(ID)
    assert reads == [1]


def test_a_log_line_shows_the_pseudonym_never_the_id(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("tests.log_ids").info("message from user %s", who(ID))
    assert caplog.messages == [f"message from user {pseudonym(ID)}"]
    assert "7318264059" not in caplog.text


def test_an_outbox_key_keeps_its_kind_and_hides_the_ids() -> None:
    key = "reminder:telegram:7318264059:louhela-kielikahvila:2026-11-26T17:00"
    label = key_label(key)
    assert label == f"reminder:{pseudonym(key)}"
    assert "7318264059" not in label
