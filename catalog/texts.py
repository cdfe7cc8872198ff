"""Choosing which language of a multilingual text to show a reader (FORMAT.md's fallback)."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.model import Text
from catalog.vocabulary import PLAIN_FINNISH


@dataclass(frozen=True, slots=True)
class ShownText:
    """The text picked for a reader and the language it is actually in."""

    text: str
    language: str

    def is_in(self, reader_language: str) -> bool:
        """Whether the reader gets it in their own language (plain Finnish counts as Finnish)."""
        return self.language == reader_language or (
            reader_language == PLAIN_FINNISH and self.language == "fi"
        )


def fallback_order(reader_language: str) -> tuple[str, ...]:
    """Reader's language, English, Finnish, as FORMAT.md says.

    Plain and standard Finnish stand in for each other before English: both are Finnish.
    """
    if reader_language == PLAIN_FINNISH:
        return (PLAIN_FINNISH, "fi", "en")
    if reader_language == "fi":
        return ("fi", PLAIN_FINNISH, "en")
    return tuple(dict.fromkeys((reader_language, "en", "fi")))


def pick_text(text: Text, reader_language: str) -> ShownText | None:
    """The best version of ``text`` for the reader, or ``None`` for an empty text."""
    if not text:
        return None
    versions = dict(text)
    for language in fallback_order(reader_language):
        if language in versions:
            return ShownText(versions[language], language)
    language, value = text[0]
    return ShownText(value, language)
