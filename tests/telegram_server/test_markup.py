"""Telegram's formatting parsers, checked against tdlib's own test vectors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.telegram_server.markup import (
    MarkupError,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    render,
    utf16_len,
)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (
            "🏟 🏟&lt;<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        (
            "🏟 🏟&lt;<i>a</em   >",
            'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
        ),
        ("&#57311;", "Text contains invalid Unicode characters after decoding HTML entities, "
         "check for unmatched surrogate code units"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<tg-emoji emoji-id=x>a</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)  # fmt: skip
def test_html_errors_match_tdlib(text: str, error: str) -> None:
    with pytest.raises(MarkupError) as refused:
        parse_html(text)
    assert str(refused.value) == error


@pytest.mark.parametrize(
    ("text", "plain", "entities"),
    [
        ("&lt;&gt;&amp;&quot;&laquo;&#12345678;", '<>&"&laquo;&#12345678;', []),
        ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [("italic", 5, 6)]),
        (
            "🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>",
            "🏟 🏟🏟 ><🏟",
            [("italic", 5, 7), ("bold", 9, 3)],
        ),
        ("🏟 🏟&lt;<i>a</    >", "🏟 🏟<a", [("italic", 6, 1)]),
        ("🏟 🏟&lt;<b></b>", "🏟 🏟<", []),
        ("<a> </a>", " ", []),
        ("<a>telegram.org</a>", "telegram.org", [("text_link", 0, 12)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
    ],
)
def test_html_text_and_entities_match_tdlib(
    text: str, plain: str, entities: list[tuple[str, int, int]]
) -> None:
    rendered = parse_html(text)
    assert rendered.text == plain
    assert [(e["type"], e["offset"], e["length"]) for e in rendered.entities] == entities


def test_html_links_and_code_languages() -> None:
    link = parse_html("<a href=telegram.org>x</a>").entities[0]
    assert link["url"] == "http://telegram.org/"
    pre = parse_html('<pre><code class="language-python">x = 1</code></pre>').entities
    assert pre == ({"type": "pre", "offset": 0, "length": 5, "language": "python"},)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
        ("🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"),
        ("🏟 🏟`", "Can't find end of Code entity at byte offset 9"),
        ("🏟 🏟```a", "Can't find end of Pre entity at byte offset 9"),
        ("🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"),
        ("🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"),
        ("[telegram\\.org](asd\\)", "Can't find end of a URL at byte offset 16"),
        ("Klo 18.00", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("a-b", "Character '-' is reserved and must be escaped with the preceding '\\'"),
    ],
)
def test_markdown_v2_errors_match_tdlib(text: str, error: str) -> None:
    with pytest.raises(MarkupError) as refused:
        parse_markdown_v2(text)
    assert str(refused.value) == error


def test_markdown_v2_entities() -> None:
    rendered = parse_markdown_v2("🏟 🏟_🏟 __🏟___")
    assert rendered.text == "🏟 🏟🏟 🏟"
    assert [(e["type"], e["offset"], e["length"]) for e in rendered.entities] == [
        ("italic", 5, 5),
        ("underline", 8, 2),
    ]
    assert parse_markdown_v2("\\. \\! \\-").text == ". ! -"
    assert parse_markdown_v2("||salaisuus||").entities[0]["type"] == "spoiler"


def test_legacy_markdown() -> None:
    assert parse_markdown("*lihava* _kursiivi_").text == "lihava kursiivi"
    with pytest.raises(MarkupError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("*auki")


def test_render_trims_and_knows_parse_modes() -> None:
    rendered = render("  <B>hei</B> \n", "html")
    assert rendered.text == "hei"
    assert rendered.entities == ({"type": "bold", "offset": 0, "length": 3},)
    assert render("1 < 2", None).text == "1 < 2"
    with pytest.raises(MarkupError, match="unsupported parse_mode"):
        render("x", "bbcode")


@given(st.text())
def test_escaped_text_always_parses_to_itself(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    rendered = parse_html(escaped)  # hypothesis' text has no lone surrogates
    assert rendered.text == text
    assert rendered.entities == ()


@given(st.text())
def test_utf16_len_counts_code_units(text: str) -> None:
    expected = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    assert utf16_len(text) == expected
