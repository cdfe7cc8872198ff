"""Why a session is cancelled or moved: a short list of codes, rendered in each reader's words.

Volunteers pick a code; every subscriber reads it in their own language, so nobody has to
write the reason in fourteen languages.
"""

from __future__ import annotations

from handlers.core.i18n import Speaker

#: Why a session is cancelled or moved: codes stored in the change, rendered per reader.
REASONS: tuple[str, ...] = ("illness", "weather", "venue", "holiday", "too_few", "other")

def reason_text(reason: str | None, speaker: Speaker) -> str | None:
    """A reason code in the reader's words; ``None`` for none (or ``other``).

    A reason that is not a code (an older free-text one) is shown as it is.
    """
    _ = speaker.gettext
    labels = {
        "illness": _("illness"),
        "weather": _("bad weather"),
        "venue": _("the place is not available"),
        "holiday": _("a holiday"),
        "too_few": _("too few participants"),
    }
    if not reason or reason == "other":
        return None
    return labels.get(reason, reason)


def reason_label(reason: str, speaker: Speaker) -> str:
    """A reason code for a button, capitalised; ``other`` included."""
    text = reason_text(reason, speaker) or speaker.gettext("another reason")
    return text[:1].upper() + text[1:]
