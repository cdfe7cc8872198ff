"""Controlled vocabularies of the ``tarjotin/1`` format (FORMAT.md).

Kept in one place so that validation, matching and export agree on the spelling.
"""

from typing import Final

FORMAT_ID: Final = "tarjotin/1"

KINDS: Final[tuple[str, ...]] = (
    "language_club",
    "language_course",
    "friend_activity",
    "mother_child_group",
    "family_activity",
    "womens_group",
    "mens_group",
    "international_club",
    "peer_group",
    "homework_help",
    "sports",
    "outdoor",
    "crafts",
    "cooking",
    "music_culture",
    "recreation",
    "volunteering",
    "guidance",
    "job_search",
    "digital_skills",
    "network_meeting",
)

CLASSES: Final[tuple[str, ...]] = ("support", "participation", "recruitment")

AUDIENCES: Final[tuple[str, ...]] = (
    "everyone",
    "women",
    "men",
    "children",
    "youth",
    "families",
    "seniors",
    "organisations",
)

ORGANISATION_KINDS: Final[tuple[str, ...]] = (
    "municipality",
    "association",
    "immigrant_association",
    "parish",
    "national_ngo",
    "school",
    "company",
)

LEVELS: Final[tuple[str, ...]] = ("national", "regional", "local")

FINNISH_LEVELS: Final[tuple[str, ...]] = ("none", "beginner", "intermediate", "fluent")

STAGES: Final[tuple[str, ...]] = ("arrival", "settling", "established")

PLAIN_FINNISH: Final = "fi-x-plain"

#: The languages the product speaks, in the order they are offered to a user.
SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = (
    "fi",
    PLAIN_FINNISH,
    "sv",
    "en",
    "ru",
    "uk",
    "et",
    "ar",
    "fa",
    "so",
    "tr",
    "zh",
    "es",
    "fr",
)

RIGHT_TO_LEFT: Final[frozenset[str]] = frozenset({"ar", "fa"})
