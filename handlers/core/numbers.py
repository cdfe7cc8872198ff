"""Reading a number someone typed or a button carried, without trusting ``str.isdigit``.

``"²".isdigit()``, ``"①".isdigit()`` and ``"٣".isdigit()`` are all true, and ``int()`` refuses
the first two and reads the third; ``int()`` also refuses more than 4,300 digits. Every count,
page, id and choice number the bot reads is plain ASCII digits of a bounded length, so this is
the one place that decides what a number is: anything else is "not a number" (``None``), and
the caller answers it as it answers any other bad choice.
"""

from __future__ import annotations

from typing import Final

#: Enough for every id, page and count the bot gives out (row ids stay far below a billion).
MAX_DIGITS: Final = 9


def ascii_number(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """The value of ``text`` when it is 1 to ``max_digits`` ASCII digits, else ``None``."""
    if not 0 < len(text) <= max_digits or not text.isascii() or not text.isdecimal():
        return None
    return int(text)
