"""The conversation every fuzzed entry drives: the demo catalogue, real understanding, roles.

One assistant is built per process (language models take seconds); each entry gets its own
conversation over fresh fakes, with people of every role already known: newcomers in several
languages (one not onboarded), a volunteer and an organiser of a Nurmijärvi organisation, and
a coordinator of the Nurmijärvi desk with a coordinator chat.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.bootstrap import InviteLinks, build_assistant
from catalog.parse import load_catalogue
from handlers.coordination.permissions import Desk, Grant, Role
from handlers.core.conversation import Conversation
from handlers.core.events import ChatId, Profile, UserId
from handlers.newcomers.assistant import Assistant
from tests.conftest import DEMO
from tests.fakes import FixedClock
from tests.wiring import FakeCore

T = TypeVar("T")

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))  # a Monday
NETWORK = "nurmijarvi"
ORGANISATION = "setlementti-louhela"
BOT_NAME = "tarjotin_bot"

#: Newcomers' languages by their number; ``None``: not onboarded yet.
NEWCOMERS: dict[int, str | None] = {1: "en", 2: "ar", 3: "fi-x-plain", 4: "zh", 5: "fa", 6: None}
VOLUNTEER, ORGANISER, COORDINATOR = 7, 8, 9
PEOPLE = (*NEWCOMERS, VOLUNTEER, ORGANISER, COORDINATOR)
#: The number of the coordinator chat among each platform's chats.
COORDINATOR_CHAT = 100


@functools.cache
def demo_assistant() -> Assistant:
    """The assistant over the demo catalogue, built once per process."""
    return build_assistant(load_catalogue(DEMO))


def fuzz_conversation(
    user: Callable[[int], UserId], chat: Callable[[int], ChatId]
) -> tuple[Conversation, FakeCore]:
    """A conversation whose people (numbered as in :data:`PEOPLE`) are named by ``user``."""
    assistant = demo_assistant()
    fakes = FakeCore(assistant.catalogue, FixedClock(NOW))
    for number, language in NEWCOMERS.items():
        network = NETWORK if language is not None else None
        fakes.profiles.profiles[user(number)] = Profile(user(number), language, network)
    for number, language in ((VOLUNTEER, "uk"), (ORGANISER, "sv"), (COORDINATOR, "fi")):
        fakes.profiles.profiles[user(number)] = Profile(user(number), language, NETWORK)
    for number, role in ((VOLUNTEER, Role.VOLUNTEER), (ORGANISER, Role.ORGANISER)):
        fakes.staff.grants.append(Grant(user(number), role, ORGANISATION, user(COORDINATOR), NOW))
    desk = Desk(NETWORK, (user(COORDINATOR),), (chat(COORDINATOR_CHAT),))
    core = fakes.build(
        lambda: assistant, desks={NETWORK: desk}, links=InviteLinks(lambda: BOT_NAME)
    )
    return core.conversation, fakes


class Loop:
    """One event loop for a whole fuzzing run (hypothesis calls a plain function per input)."""

    def __init__(self) -> None:
        self._runner = asyncio.Runner()

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work()`` to its end on the loop."""

        async def main() -> T:
            return await work()

        return self._runner.run(main())

    def close(self) -> None:
        """Close the loop."""
        self._runner.close()
