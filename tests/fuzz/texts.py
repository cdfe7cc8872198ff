"""Hostile text: markup fragments, every kind of digit, long numbers, scripts and odd spacing."""

from __future__ import annotations

import operator

from hypothesis import strategies as st

from catalog.vocabulary import SUPPORTED_LANGUAGES

#: Fragments that would become markup if a reply carried them unescaped.
MARKUP = (
    "<b>",
    "</b>",
    "<i>",
    '<a href="https://evil.example/">',
    "</a>",
    "<a href=",
    "&",
    "&amp;",
    "&lt;",
    "&#60;",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<br>",
    "<",
    ">",
    "<pre>",
    "<code>",
    "<tg-spoiler>",
    "<mx-reply>",
    "</mx-reply>",
    '"',
    "'",
    "<!--",
    "<em>",
    "<font color=red>",
    "<blockquote>",
)

#: Things that look like numbers to ``str.isdigit`` or a regex, and numbers too long for ``int``.
NUMBERS = (
    "0",
    "1",
    "2",
    "3",
    "7",
    "10",
    "99",
    "-1",
    "+1",
    "1.5",
    "1e9",
    "²",
    "³",
    "①",
    "⑳",
    "٣",
    "١٢",
    "۴",
    "५",
    "৭",
    "๓",
    "½",
    "Ⅻ",
    "𝟙",
    "１２",
    "⁵",
    "₂",
    "1️⃣",
    "2️⃣",
    "🔟",
    "#2",
    "(3)",
    "9" * 19,
    "9" * 30,
    "1" * 4301,
    "1" * 5000,
    "0" * 4400,
    "٣" * 5000,
    "²" * 40,
)

#: Words and phrases of the languages the bot serves, and ids it knows.
WORDS = (
    "kerho",
    "suomen kieli",
    "tänään",
    "huomenna",
    "Espoo",
    "Nurmijärvi",
    "what is on",
    "this week",
    "women",
    "kids",
    "ma 18:00",
    "klo 17",
    "12.3.",
    "2026-11-24",
    "женщины",
    "завтра",
    "عربي",
    "اليوم",
    "فارسی",
    "امروز",
    "学习芬兰语",
    "明天",
    "Soomaali",
    "maanta",
    "yarn",
    "mañana",
    "demain",
    "bugün",
    "сьогодні",
    "täna",
    "idag",
    "K-1234",
    "k1234",
    "nurmijarvi",
    "espoo",
    "en",
    "fi",
    "ar",
    "sv",
    "volunteer",
    "close",
    "reply",
    "@tarjotin_bot",
    "/start",
    "/help",
    "!help",
    "invite-",
    "join-",
    "x" * 64,
)

#: Invisible and layout characters.
ODD = (
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "\u00a0",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u202e",
    "\ufeff",
    "\u0301",
    "\u0651",
    "\ufe0f",
    "\u20e3",
    "👍🏽",
    "🇫🇮",
    "👨‍👩‍👧",
    "\x00",
    "\x07",
    "\u2028",
    "\u2029",
    "\x85",
)

FRAGMENTS = MARKUP + NUMBERS + WORDS + ODD

fragment = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))

#: Short hostile text, mostly fragments run together.
short_text = st.lists(fragment, max_size=8).map("".join)

#: Text of any length up to a few thousand characters (some over every message limit).
hostile_text = st.one_of(
    short_text,
    short_text,
    st.builds(lambda piece, times: piece * times, st.sampled_from(FRAGMENTS), st.integers(1, 900)),
    st.builds(lambda head, tail: head + "\n" * 3 + tail, short_text, short_text),
)

#: A language code: the supported ones, their odd spellings, and garbage.
language_codes = st.one_of(
    st.none(),
    st.sampled_from(SUPPORTED_LANGUAGES),
    st.sampled_from(("EN", "pt-br", "zh-hans", "fi-FI", "x", "", "ar-SA", "fa_IR")),
    st.text(max_size=8),
)

#: What the flows' buttons carry before a ``:`` (pages, picks, operations), and some they do not.
OPERATIONS = (
    "", "opage:", "apage:", "org:", "pick:", "do:", "close:", "page:", "dur:", "place:",
    "kind:", "inv-page:", "inv-org:", "inv-make:", "roles:", "revoke:", "v:", "1:", "x:",
)  # fmt: skip

#: A choice's argument: an operation with a number or a word, reminder times, anything.
choice_arguments = st.one_of(
    st.builds(
        operator.add,
        st.sampled_from(OPERATIONS),
        st.one_of(st.sampled_from(NUMBERS), st.sampled_from(WORDS), short_text),
    ),
    st.builds(
        "{}:{}".format,
        st.sampled_from(NUMBERS),
        st.sampled_from(("before-60m", "evening-18:00", "before-²m", "evening-99:99", "")),
    ),
    short_text,
)
