"""The languages a user can choose, each named in itself."""

from __future__ import annotations

from typing import Final

NATIVE_NAMES: Final[dict[str, str]] = {
    "fi": "Suomi",
    "fi-x-plain": "Selkosuomi",
    "sv": "Svenska",
    "en": "English",
    "ru": "Русский",
    "uk": "Українська",
    "et": "Eesti",
    "ar": "العربية",
    "fa": "فارسی",
    "so": "Soomaali",
    "tr": "Türkçe",
    "zh": "中文",
    "es": "Español",
    "fr": "Français",
}


def resolve_language(*candidates: str | None, default: str = "en") -> str:
    """The first supported language among ``candidates`` (platform codes like ``pt-br`` too)."""
    for candidate in candidates:
        if not candidate:
            continue
        if candidate in NATIVE_NAMES:
            return candidate
        base = candidate.lower().replace("_", "-").split("-")[0]
        if base in NATIVE_NAMES:
            return base
    return default
