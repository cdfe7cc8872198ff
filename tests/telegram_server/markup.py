"""Telegram's text formatting parsers: HTML, MarkdownV2 and legacy Markdown.

The fake must refuse what Telegram refuses, with the same wording and byte
offsets, so a bot that escapes badly fails here as it would in production.
The parsers walk UTF-8 bytes like Telegram's own (offsets in errors are byte
offsets) and give entities with UTF-16 offsets, as the Bot API does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SPACE = frozenset(b" \t\r\n\x0b\x0c\x00")
_HTML_NAMED = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_MDV2_RESERVED = frozenset(b"_*[]()~`>#+-=|{}.!")
_SIMPLE_HTML = {
    "i": "italic", "em": "italic", "b": "bold", "strong": "bold",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "u": "underline", "ins": "underline", "tg-spoiler": "spoiler",
}  # fmt: skip
_LINK_SCHEMES = frozenset({"http", "https", "tg", "ton", "tonsite"})


class MarkupError(ValueError):
    """Text that Telegram's parser rejects; the message is Telegram's own wording."""


@dataclass(frozen=True)
class Rendered:
    """What a user would see: the text without markup and its entities."""

    text: str
    entities: tuple[dict[str, Any], ...]


def utf16_len(text: str) -> int:
    """Measure text the way the Bot API does, in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def render(text: str, parse_mode: str | None) -> Rendered:
    """Parse ``text`` under ``parse_mode`` (case-insensitive) and trim it like Telegram."""
    mode = (parse_mode or "").strip().lower()
    parsers: dict[str, Callable[[str], Rendered]] = {
        "": lambda raw: Rendered(raw, ()),
        "html": parse_html,
        "markdownv2": parse_markdown_v2,
        "markdown": parse_markdown,
    }
    parser = parsers.get(mode)
    if parser is None:
        raise MarkupError("unsupported parse_mode")
    return trim(parser(text))


def trim(rendered: Rendered) -> Rendered:
    """Strip surrounding whitespace and clip entities, as Telegram does before storing."""
    text = rendered.text
    stripped = text.strip()
    if stripped == text:
        return rendered
    start = utf16_len(text[: len(text) - len(text.lstrip())])
    end = start + utf16_len(stripped)
    entities = []
    for entity in rendered.entities:
        lo = max(entity["offset"], start)
        hi = min(entity["offset"] + entity["length"], end)
        if hi > lo:
            entities.append({**entity, "offset": lo - start, "length": hi - lo})
    return Rendered(stripped, tuple(entities))


def checked_link(url: str) -> str:
    """Normalise a link like Telegram, or give ``""`` when Telegram would drop it."""
    url = url.strip()
    if not url:
        return ""
    if "://" not in url and not url.startswith("tg:"):
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in _LINK_SCHEMES:
        return ""
    if parts.scheme.lower() in {"http", "https"}:
        host = parts.hostname or ""
        labels = host.split(".")
        if len(labels) < 2 or not all(labels) or not labels[-1].isalpha():
            return ""
        if not parts.path:
            url = parts._replace(path="/").geturl()
    return url


class _Bytes:
    """UTF-8 source with tdlib's convention that reading past the end gives NUL."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogatepass")

    def at(self, index: int) -> int:
        return self.data[index] if index < len(self.data) else 0

    def __len__(self) -> int:
        return len(self.data)


def _utf16_units(first_byte: int) -> int:
    """UTF-16 units added by a UTF-8 byte: 0 for continuation bytes."""
    if first_byte & 0xC0 == 0x80:
        return 0
    return 2 if first_byte >= 0xF0 else 1


def _decode_html_entity(src: _Bytes, start: int) -> tuple[int, int] | None:
    """Decode ``&...;`` at ``start`` into (code point, next index), or ``None`` if literal."""
    i = start + 1
    code = 0
    if src.at(i) == 0x23:  # '#': numeric reference
        i += 1
        base = 10
        if src.at(i) in b"xX":
            base = 16
            i += 1
        digits_start = i
        allowed = b"0123456789abcdefABCDEF" if base == 16 else b"0123456789"
        while src.at(i) != 0 and src.at(i) in allowed:
            code = code * base + int(chr(src.at(i)), 16)
            i += 1
            if code > 0x10FFFF:
                return None
        if i == digits_start:
            return None
    else:
        name_start = i
        while chr(src.at(i)).isascii() and chr(src.at(i)).isalpha():
            i += 1
        named = _HTML_NAMED.get(src.data[name_start:i])
        if named is None:
            return None
        code = named
    if src.at(i) == 0x3B:  # ';'
        i += 1
    if code == 0 or code > 0x10FFFF:
        return None
    return code, i


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int
    out_pos: int


@dataclass
class _Output:
    """The parsed text as it grows, with its length in UTF-16 units."""

    data: bytearray
    utf16: int = 0

    def add_byte(self, byte: int) -> None:
        self.data.append(byte)
        self.utf16 += _utf16_units(byte)

    def add_code_point(self, code: int) -> None:
        self.data += chr(code).encode("utf-8", "surrogatepass")
        self.utf16 += 2 if code > 0xFFFF else 1

    def text(self) -> str:
        return self.data.decode("utf-8", "surrogatepass")


def parse_html(text: str) -> Rendered:
    """Parse Telegram's HTML subset, raising :class:`MarkupError` with tdlib's messages."""
    src = _Bytes(text)
    out = _Output(bytearray())
    nested: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(src):
        byte = src.at(i)
        if byte == 0x26:
            decoded = _decode_html_entity(src, i)
            if decoded is not None:
                code, i = decoded
                out.add_code_point(code)
                continue
        if byte != 0x3C:
            out.add_byte(byte)
            i += 1
            continue
        if src.at(i + 1) != 0x2F:
            tag, i = _html_start_tag(src, i)
            nested.append(_OpenTag(tag[0], tag[1], out.utf16, len(out.data)))
        else:
            i = _html_end_tag(src, i, nested, out, entities)
    if nested:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{nested[-1].name}"')
    result = out.text()
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in result):
        raise MarkupError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return Rendered(result, tuple(entities))


def _html_start_tag(src: _Bytes, begin: int) -> tuple[tuple[str, str], int]:
    """Read a start tag at ``begin``; give (name, argument) and the index after ``>``."""
    i = begin + 1
    while src.at(i) not in _SPACE and src.at(i) != 0x3E:
        i += 1
    if src.at(i) == 0:
        raise MarkupError(f"Unclosed start tag at byte offset {begin}")
    name = src.data[begin + 1 : i].decode("utf-8", "replace").lower()
    if name not in HTML_TAGS:
        raise MarkupError(f'Unsupported start tag "{name}" at byte offset {begin}')
    argument = ""
    while src.at(i) != 0x3E:
        while src.at(i) != 0 and src.at(i) in _SPACE:
            i += 1
        if src.at(i) == 0x3E:
            break
        attr_begin = i
        while src.at(i) not in _SPACE and src.at(i) not in b"=>":
            i += 1
        attribute = src.data[attr_begin:i].decode("utf-8", "replace").lower()
        if not attribute:
            raise MarkupError(f'Empty attribute name in the tag "{name}" at byte offset {begin}')
        while src.at(i) != 0 and src.at(i) in _SPACE:
            i += 1
        if src.at(i) != 0x3D:
            if name == "blockquote" and attribute == "expandable" and src.at(i) != 0:
                argument = "expandable"
                continue
            raise MarkupError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{name}" at byte offset {begin}'
            )
        i += 1
        while src.at(i) != 0 and src.at(i) in _SPACE:
            i += 1
        if src.at(i) == 0:
            raise MarkupError(f'Unclosed start tag "{name}" at byte offset {begin}')
        value, i = _html_attribute_value(src, i)
        if src.at(i) == 0:
            raise MarkupError(f"Unclosed start tag at byte offset {begin}")
        argument = _tag_argument(name, attribute, value, argument)
    if name == "span" and argument != "spoiler":
        raise MarkupError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return (name, argument), i + 1


def _html_attribute_value(src: _Bytes, i: int) -> tuple[str, int]:
    """Read a quoted or bare attribute value at ``i``; give it and the next index."""
    quote = src.at(i)
    if quote not in b"'\"":
        token_begin = i
        while chr(src.at(i)).isascii() and (chr(src.at(i)).isalnum() or src.at(i) in b".-"):
            i += 1
        if src.at(i) not in _SPACE and src.at(i) != 0x3E:
            raise MarkupError(f"Unexpected end of name token at byte offset {token_begin}")
        return src.data[token_begin:i].decode("utf-8", "replace").lower(), i
    i += 1
    value = _Output(bytearray())
    while src.at(i) != quote and src.at(i) != 0:
        if src.at(i) == 0x26:
            decoded = _decode_html_entity(src, i)
            if decoded is not None:
                code, i = decoded
                value.add_code_point(code)
                continue
        value.add_byte(src.at(i))
        i += 1
    if src.at(i) == quote:
        i += 1
    return value.data.decode("utf-8", "replace"), i


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    """Keep the one attribute each tag cares about, ignoring the rest like Telegram."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def _html_end_tag(
    src: _Bytes,
    begin: int,
    nested: list[_OpenTag],
    out: _Output,
    entities: list[dict[str, Any]],
) -> int:
    """Close the innermost open tag at ``begin``, adding its entity; give the next index."""
    if not nested:
        raise MarkupError(f"Unexpected end tag at byte offset {begin}")
    i = begin + 2
    while src.at(i) not in _SPACE and src.at(i) != 0x3E:
        i += 1
    end_name = src.data[begin + 2 : i].decode("utf-8", "replace").lower()
    while src.at(i) != 0 and src.at(i) in _SPACE:
        i += 1
    if src.at(i) != 0x3E:
        raise MarkupError(f"Unclosed end tag at byte offset {begin}")
    open_tag = nested.pop()
    if end_name and end_name != open_tag.name:
        raise MarkupError(
            f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
            f'found "</{end_name}>"'
        )
    length = out.utf16 - open_tag.offset
    if length > 0:
        inner = out.data[open_tag.out_pos :].decode("utf-8", "replace")
        _add_html_entity(open_tag, length, inner, entities)
    return i + 1


def _add_html_entity(
    tag: _OpenTag, length: int, inner: str, entities: list[dict[str, Any]]
) -> None:
    """Append the entity a closed tag stands for (tags that merge adjust the last one)."""
    base: dict[str, Any] = {"offset": tag.offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (tag.offset, length)
    if tag.name in _SIMPLE_HTML or tag.name == "span":
        entities.append({"type": _SIMPLE_HTML.get(tag.name, "spoiler"), **base})
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise MarkupError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", **base, "custom_emoji_id": tag.argument})
    elif tag.name == "a":
        url = checked_link(tag.argument or inner)
        if url:
            entities.append({"type": "text_link", **base, "url": url})
    elif tag.name == "blockquote":
        kind = "expandable_blockquote" if tag.argument == "expandable" else "blockquote"
        entities.append({"type": kind, **base})
    elif tag.name == "code":
        if last is not None and same_span and last["type"] == "pre" and tag.argument:
            last["language"] = tag.argument
        else:
            entity = {"type": "code", **base}
            if tag.argument:
                entity["_language"] = tag.argument
            entities.append(entity)
    elif last is not None and same_span and "_language" in last:  # <pre><code class=...>
        last["type"] = "pre"
        last["language"] = last.pop("_language")
    else:  # pre
        entities.append({"type": "pre", **base})


_MDV2_NAMES = {
    "italic": "Italic", "bold": "Bold", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code",
    "pre": "Pre", "pre_code": "PreCode", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}  # fmt: skip


@dataclass
class _MdOpen:
    kind: str
    begin: int
    offset: int
    out_pos: int
    argument: str = ""


def _mdv2_closes(kind: str, src: _Bytes, i: int) -> bool:
    """Tell whether the byte at ``i`` ends the innermost MarkdownV2 entity ``kind``."""
    byte = src.at(i)
    return {
        "bold": byte == 0x2A,
        "italic": byte == 0x5F and src.at(i + 1) != 0x5F,
        "underline": byte == 0x5F and src.at(i + 1) == 0x5F,
        "strikethrough": byte == 0x7E,
        "spoiler": byte == 0x7C and src.at(i + 1) == 0x7C,
        "code": byte == 0x60,
        "pre": byte == 0x60 and src.at(i + 1) == 0x60 and src.at(i + 2) == 0x60,
        "pre_code": byte == 0x60 and src.at(i + 1) == 0x60 and src.at(i + 2) == 0x60,
        "text_link": byte == 0x5D,
        "custom_emoji": byte == 0x5D,
    }[kind]


def _reserved(byte: int) -> MarkupError:
    return MarkupError(
        f"Character '{chr(byte)}' is reserved and must be escaped with the preceding '\\'"
    )


def _mdv2_open(src: _Bytes, i: int) -> tuple[str, str, int]:
    """Start the entity whose marker is at ``i``; give (kind, argument, next index)."""
    byte, following = src.at(i), src.at(i + 1)
    simple = {0x2A: "bold", 0x7E: "strikethrough", 0x5B: "text_link"}
    if byte in simple:
        return simple[byte], "", i + 1
    if byte == 0x5F:
        return ("underline", "", i + 2) if following == 0x5F else ("italic", "", i + 1)
    if byte == 0x7C and following == 0x7C:
        return "spoiler", "", i + 2
    if byte == 0x21 and following == 0x5B:
        return "custom_emoji", "", i + 2
    if byte != 0x60:
        raise _reserved(byte)
    if following != 0x60 or src.at(i + 2) != 0x60:
        return "code", "", i + 1
    i, language = _pre_language(src, i + 3)
    return ("pre_code" if language else "pre"), language, i


def _pre_language(src: _Bytes, i: int) -> tuple[int, str]:
    """Read the language after an opening triple backtick and skip one line break."""
    language = ""
    end = i
    while src.at(end) not in _SPACE and src.at(end) != 0x60:
        end += 1
    if end != i and end < len(src) and src.at(end) != 0x60:
        language = src.data[i:end].decode("utf-8", "replace")
        i = end
    if src.at(i) in b"\r\n" and src.at(i) != 0:
        pair = src.at(i + 1) in b"\r\n" and src.at(i + 1) not in (0, src.at(i))
        i += 2 if pair else 1
    return i, language


def _mdv2_close(
    src: _Bytes, i: int, entry: _MdOpen, out: _Output, entities: list[dict[str, Any]]
) -> int:
    """Close ``entry`` at ``i``, adding its entity; give the index after the end marker."""
    width = {"underline": 2, "spoiler": 2, "pre": 3, "pre_code": 3}.get(entry.kind, 1)
    i += width
    extra: dict[str, Any] = {}
    if entry.kind in {"text_link", "custom_emoji"}:
        url = ""
        if src.at(i) == 0x28:  # '('
            url_begin = i + 1
            j = url_begin
            chunk = bytearray()
            while j < len(src) and src.at(j) != 0x29:
                if src.at(j) == 0x5C and 0 < src.at(j + 1) <= 126:
                    j += 1
                chunk.append(src.at(j))
                j += 1
            if j >= len(src):
                raise MarkupError(f"Can't find end of a URL at byte offset {url_begin}")
            url = chunk.decode("utf-8", "replace")
            i = j + 1
        else:
            url = out.data[entry.out_pos :].decode("utf-8", "replace")
        if entry.kind == "custom_emoji":
            emoji_id = url.removeprefix("tg://emoji?id=")
            if not emoji_id.isdigit():
                raise MarkupError("Custom emoji entity must contain a tg://emoji URL")
            extra = {"custom_emoji_id": emoji_id}
        else:
            url = checked_link(url)
            if not url:
                return i
            extra = {"url": url}
    length = out.utf16 - entry.offset
    if length > 0:
        kind = "pre" if entry.kind == "pre_code" else entry.kind
        if entry.kind == "pre_code":
            extra = {"language": entry.argument}
        entities.append({"type": kind, "offset": entry.offset, "length": length, **extra})
    return i


def parse_markdown_v2(text: str) -> Rendered:
    """Parse MarkdownV2, refusing unescaped reserved characters as Telegram does."""
    src = _Bytes(text)
    out = _Output(bytearray())
    nested: list[_MdOpen] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(src):
        byte = src.at(i)
        if byte == 0x5C and 0 < src.at(i + 1) <= 126:
            out.add_byte(src.at(i + 1))
            i += 2
            continue
        in_code = bool(nested) and nested[-1].kind in {"code", "pre", "pre_code"}
        reserved = b"`" if in_code else _MDV2_RESERVED
        if byte not in reserved:
            out.add_byte(byte)
            i += 1
            continue
        if nested and _mdv2_closes(nested[-1].kind, src, i):
            i = _mdv2_close(src, i, nested.pop(), out, entities)
            continue
        if byte == 0x3E and (i == 0 or src.at(i - 1) == 0x0A):
            i += 1  # a quotation line: Telegram makes it a blockquote
            continue
        kind, argument, after = _mdv2_open(src, i)
        nested.append(_MdOpen(kind, i, out.utf16, len(out.data), argument))
        i = after
    if nested:
        entry = nested[-1]
        name = _MDV2_NAMES[entry.kind]
        raise MarkupError(f"Can't find end of {name} entity at byte offset {entry.begin}")
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return Rendered(out.text(), tuple(entities))


def parse_markdown(text: str) -> Rendered:
    """Parse legacy Markdown (``*bold*``, ``_italic_``, code, pre and links)."""
    src = _Bytes(text)
    out = _Output(bytearray())
    entities: list[dict[str, Any]] = []
    kinds = {0x2A: "bold", 0x5F: "italic", 0x60: "code", 0x5B: "text_link"}
    i = 0
    while i < len(src):
        byte = src.at(i)
        if byte == 0x5C and src.at(i + 1) in b"_*`[" and src.at(i + 1) != 0:
            out.add_byte(src.at(i + 1))
            i += 2
            continue
        if byte not in kinds:
            out.add_byte(byte)
            i += 1
            continue
        begin = i
        kind = kinds[byte]
        end_byte = 0x5D if byte == 0x5B else byte
        i += 1
        is_pre = byte == 0x60 and src.at(i) == 0x60 and src.at(i + 1) == 0x60
        language = ""
        if is_pre:
            kind = "pre"
            i, language = _pre_language(src, i + 2)
        offset = out.utf16
        while i < len(src) and (
            src.at(i) != end_byte
            or (is_pre and not (src.at(i + 1) == 0x60 and src.at(i + 2) == 0x60))
        ):
            out.add_byte(src.at(i))
            i += 1
        if i >= len(src):
            raise MarkupError(f"Can't find end of the entity starting at byte offset {begin}")
        i += 3 if is_pre else 1
        extra: dict[str, Any] = {"language": language} if language else {}
        if kind == "text_link":
            url = ""
            if src.at(i) == 0x28:
                close = src.data.find(b")", i)
                if close != -1:
                    url = src.data[i + 1 : close].decode("utf-8", "replace")
                    i = close + 1
            url = checked_link(url)
            if not url:
                continue
            extra = {"url": url}
        length = out.utf16 - offset
        if length > 0:
            entities.append({"type": kind, "offset": offset, "length": length, **extra})
    return Rendered(out.text(), tuple(entities))
