"""Notices of a cancelled or moved session: rendered per reader, queued once per change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalog.localtime import to_local
from catalog.model import ActivityId, Catalogue, OccurrenceChange, PlaceId
from catalog.occurrences import Occurrence, OccurrenceIndex
from handlers.core.events import Profile, UserId
from handlers.core.formatting import (
    FIRST_STRONG_ISOLATE,
    activity_title,
    day_heading,
    place_line,
    time_range,
)
from handlers.core.i18n import Translator
from handlers.newcomers.reminder_timing import Subscription, cancellation_key
from handlers.volunteers.notices import (
    SessionNotices,
    change_fingerprint,
    notice_batch,
    notice_key,
    notice_reply,
)
from handlers.volunteers.reasons import REASONS, reason_text
from tests.fakes import (
    FixedClock,
    InMemoryDialogues,
    InMemoryOutbox,
    InMemoryProfiles,
    InMemorySubscriberDirectory,
    InMemorySubscriptions,
    InMemoryUnitsOfWork,
)
from tests.handlers.volunteers.test_menu import CLUB, GROUP, HELSINKI, NOW, READERS, chat_of

LANGUAGES = ("fi", "ar", "uk", "en", "fa")


def first_session(catalogue: Catalogue, activity: str = CLUB) -> Occurrence:
    index = OccurrenceIndex(catalogue)
    found = index.next_for(activity, NOW)  # type: ignore[arg-type]
    assert found is not None
    return found


def cancellation(occurrence: Occurrence, reason: str | None = "illness") -> OccurrenceChange:
    return OccurrenceChange(
        occurrence.activity, occurrence.original_start, cancelled=True, reason=reason
    )


def move(
    occurrence: Occurrence,
    hours: int = 1,
    place: str | None = None,
    reason: str | None = "venue",
) -> OccurrenceChange:
    start = to_local(occurrence.start, HELSINKI) + timedelta(hours=hours)
    return OccurrenceChange(
        occurrence.activity,
        occurrence.original_start,
        new_start=start,
        new_end=start + (occurrence.end - occurrence.start),
        new_place=PlaceId(place) if place else None,
        reason=reason,
    )


# --- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cancellation_names_the_activity_the_session_and_the_reason(
    demo: Catalogue, language: str
) -> None:
    speaker = Translator().speaker(language)
    occurrence = first_session(demo)
    reply = notice_reply(demo, cancellation(occurrence), occurrence, speaker)
    assert reply.language == language
    assert activity_title(demo, CLUB, speaker) in reply.text
    assert day_heading(occurrence.start.date(), speaker) in reply.text
    assert time_range(occurrence.start, occurrence.end, speaker) in reply.text
    reason = reason_text("illness", speaker)
    assert reason
    assert reason in reply.text
    assert reply.actions == ()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_move_names_the_old_and_the_new_time_and_place(demo: Catalogue, language: str) -> None:
    speaker = Translator().speaker(language)
    occurrence = first_session(demo)
    change = move(occurrence, hours=2, place="klaukkala-kirjasto")
    reply = notice_reply(demo, change, occurrence, speaker)
    new_start, new_end = occurrence.start + timedelta(hours=2), occurrence.end + timedelta(hours=2)
    assert time_range(occurrence.start, occurrence.end, speaker) in reply.text
    assert time_range(new_start, new_end, speaker) in reply.text
    where = place_line(demo, PlaceId("klaukkala-kirjasto"), speaker)
    assert where
    assert where in reply.text


def test_a_move_of_time_only_says_nothing_about_the_place(demo: Catalogue) -> None:
    speaker = Translator().speaker("en")
    occurrence = first_session(demo)
    same_place = notice_reply(demo, move(occurrence), occurrence, speaker)
    other_place = notice_reply(
        demo, move(occurrence, place="klaukkala-kirjasto"), occurrence, speaker
    )
    old_place = place_line(demo, occurrence.place, speaker)
    assert old_place
    assert old_place not in same_place.text
    assert other_place.text.startswith(same_place.text.split("\nReason")[0])
    assert len(other_place.text.splitlines()) == len(same_place.text.splitlines()) + 1


def test_a_move_of_place_only_says_nothing_about_a_new_time(demo: Catalogue) -> None:
    speaker = Translator().speaker("en")
    occurrence = first_session(demo)
    only_place = notice_reply(demo, move(occurrence, 0, "klaukkala-kirjasto"), occurrence, speaker)
    both = notice_reply(demo, move(occurrence, 1, "klaukkala-kirjasto"), occurrence, speaker)
    assert len(both.text.splitlines()) == len(only_place.text.splitlines()) + 1


def test_right_to_left_readers_get_times_and_latin_names_isolated(demo: Catalogue) -> None:
    speaker = Translator().speaker("ar")
    occurrence = first_session(demo)
    reply = notice_reply(demo, cancellation(occurrence), occurrence, speaker)
    assert f"{FIRST_STRONG_ISOLATE}Kielikahvila Louhelassa" in reply.text  # Finnish title only
    isolated = time_range(occurrence.start, occurrence.end, speaker)
    assert isolated.startswith(FIRST_STRONG_ISOLATE)
    assert isolated in reply.text
    latin = Translator().speaker("uk")
    assert (
        FIRST_STRONG_ISOLATE
        not in notice_reply(demo, cancellation(occurrence), occurrence, latin).text
    )


def test_a_title_in_the_readers_language_is_used(demo: Catalogue) -> None:
    occurrence = first_session(demo, GROUP)
    arabic = notice_reply(demo, cancellation(occurrence), occurrence, Translator().speaker("ar"))
    group = demo.activity(GROUP)
    assert group is not None
    assert dict(group.title)["ar"] in arabic.text


def test_other_or_no_reason_adds_no_reason_line(demo: Catalogue) -> None:
    speaker = Translator().speaker("en")
    occurrence = first_session(demo)
    with_reason = notice_reply(demo, cancellation(occurrence, "weather"), occurrence, speaker)
    other = notice_reply(demo, cancellation(occurrence, "other"), occurrence, speaker)
    none = notice_reply(demo, cancellation(occurrence, None), occurrence, speaker)
    assert other.text == none.text
    assert len(with_reason.text.splitlines()) == len(other.text.splitlines()) + 1


def test_every_reason_has_words_and_an_old_free_text_reason_is_shown_as_it_is() -> None:
    speaker = Translator().speaker("en")
    texts = [reason_text(code, speaker) for code in REASONS if code != "other"]
    assert all(texts)
    assert len(set(texts)) == len(texts)
    assert reason_text("Lumimyräkkä", speaker) == "Lumimyräkkä"


def test_the_key_tells_changes_apart_and_repeats_for_the_same_change(demo: Catalogue) -> None:
    occurrence = first_session(demo)
    user = UserId("telegram:1")
    assert notice_key(user, cancellation(occurrence)) == notice_key(user, cancellation(occurrence))
    assert change_fingerprint(move(occurrence, 1)) != change_fingerprint(move(occurrence, 2))
    assert change_fingerprint(cancellation(occurrence, "weather")) != change_fingerprint(
        cancellation(occurrence, "illness")
    )
    key = notice_key(user, move(occurrence, 1))
    assert key.startswith(f"change:{user}:{CLUB}:{occurrence.original_start.isoformat()[:16]}")
    assert notice_key(user, move(occurrence, 1)) != notice_key(user, move(occurrence, 2))
    assert notice_batch(move(occurrence)) == notice_batch(cancellation(occurrence))


# --- queueing -----------------------------------------------------------------------------


class Audience:
    """Subscribers in several languages, one inactive, one following by kind and activity."""

    def __init__(self) -> None:
        self.profiles = InMemoryProfiles()
        self.subscriptions = InMemorySubscriptions()
        self.outbox = InMemoryOutbox()
        self.clock = FixedClock(NOW)
        self.translator = Translator()
        self.directory = InMemorySubscriberDirectory(self.subscriptions, self.profiles)
        self.notices = SessionNotices(self.directory, self.translator, self.clock)
        self.units = InMemoryUnitsOfWork(
            dialogues=InMemoryDialogues(), outbox=self.outbox, directory=self.directory
        )

    async def notify(
        self, catalogue: Catalogue, change: OccurrenceChange, occurrence: Occurrence
    ) -> int:
        """Queue the notices in a unit of work of their own, committed."""
        async with self.units() as unit:
            told = await self.notices.notify(unit, catalogue, change, occurrence)
            await unit.commit()
        return told

    async def add(
        self, user: UserId, language: str | None, active: bool = True, **target: str
    ) -> None:
        self.profiles.profiles[user] = Profile(user, language, "nurmijarvi", active=active)
        await self.subscriptions.add(
            Subscription(user, chat_of(user), NOW - timedelta(days=1), **target)  # type: ignore[arg-type]
        )


@pytest.fixture
async def audience() -> Audience:
    people = Audience()
    for user, language in READERS.items():
        await people.add(user, language, activity=CLUB)
    await people.add(UserId("telegram:601"), "fa", kind="language_club", network="nurmijarvi")
    await people.add(UserId("telegram:601"), "fa", activity=CLUB)  # the same person again
    await people.add(UserId("telegram:602"), "sv", active=False, activity=CLUB)
    await people.add(UserId("telegram:603"), None, activity=CLUB)  # no language: the default
    await people.add(UserId("telegram:604"), "fi", activity=GROUP)  # another activity
    return people


async def test_each_subscriber_gets_one_notice_in_their_language(
    demo: Catalogue, audience: Audience
) -> None:
    occurrence = first_session(demo)
    change = cancellation(occurrence)
    told = await audience.notify(demo, change, occurrence)
    messages = {e.message.user: e.message for e in audience.outbox.entries.values()}
    wanted = {**READERS, UserId("telegram:601"): "fa", UserId("telegram:603"): "en"}
    assert told == len(messages) == len(wanted)
    for user, language in wanted.items():
        message = messages[user]
        speaker = audience.translator.speaker(language)
        assert message.reply == notice_reply(demo, change, occurrence, speaker)
        assert message.chat == chat_of(user)
        assert message.key == notice_key(user, change)
        assert message.batch == notice_batch(change)
        assert message.category == "notice"
        assert message.activity == CLUB
        assert message.due_at == NOW
        assert message.expires_at == occurrence.end


async def test_a_repeated_change_queues_nothing_new_and_a_different_one_does(
    demo: Catalogue, audience: Audience
) -> None:
    occurrence = first_session(demo)
    await audience.notify(demo, cancellation(occurrence), occurrence)
    first = set(audience.outbox.entries)
    await audience.notify(demo, cancellation(occurrence), occurrence)
    assert set(audience.outbox.entries) == first
    await audience.notify(demo, move(occurrence, hours=1), occurrence)
    moved = set(audience.outbox.entries)
    assert len(moved) == 2 * len(first)
    await audience.notify(demo, move(occurrence, hours=2), occurrence)
    assert len(audience.outbox.entries) == 3 * len(first)
    # A cancellation is told once: a new reason for the same cancellation is not news.
    await audience.notify(demo, cancellation(occurrence, "weather"), occurrence)
    assert len(audience.outbox.entries) == 3 * len(first)


async def test_a_move_expires_when_the_later_of_the_two_sessions_ends(
    demo: Catalogue, audience: Audience
) -> None:
    occurrence = first_session(demo)
    await audience.notify(demo, move(occurrence, hours=26), occurrence)
    [expiry] = {e.message.expires_at for e in audience.outbox.entries.values()}
    assert expiry == occurrence.end + timedelta(hours=26)


async def test_a_change_to_an_activity_no_longer_on_offer_tells_nobody(
    demo: Catalogue, audience: Audience
) -> None:
    occurrence = first_session(demo)
    gone = OccurrenceChange("gone", occurrence.original_start, cancelled=True)  # type: ignore[arg-type]
    assert await audience.notify(demo, gone, occurrence) == 0
    assert not audience.outbox.entries


async def test_recipients_are_counted_once_per_active_person(
    demo: Catalogue, audience: Audience
) -> None:
    club = demo.activity(CLUB)
    assert club is not None
    recipients = await audience.notices.recipients(demo, club)
    users = [s.subscription.user for s in recipients]
    assert len(users) == len(set(users)) == len(READERS) + 2


async def test_the_audience_is_looked_up_not_read_whole_and_kinds_stay_in_their_network(
    demo: Catalogue, audience: Audience
) -> None:
    club = demo.activity(CLUB)
    assert club is not None
    assert club.kinds
    elsewhere = next(n.id for n in demo.networks if n.id != "nurmijarvi")
    stranger, other_kind = UserId("telegram:701"), UserId("telegram:702")
    await audience.add(stranger, "fi", kind=club.kinds[0], network=elsewhere)
    await audience.add(other_kind, "fi", kind="no_such_kind", network="nurmijarvi")
    occurrence = first_session(demo)
    told = await audience.notify(demo, cancellation(occurrence), occurrence)
    users = {e.message.user for e in audience.outbox.entries.values()}
    assert told == len(users)
    assert UserId("telegram:601") in users
    assert stranger not in users
    assert other_kind not in users
    assert len(await audience.notices.recipients(demo, club)) == told
    assert audience.directory.full_reads == 0


def test_a_cancellation_notice_shares_the_planners_key_so_it_is_sent_once(demo: Catalogue) -> None:
    occurrence = OccurrenceIndex(demo).next_for(ActivityId(CLUB), NOW)
    assert occurrence is not None
    change = OccurrenceChange(ActivityId(CLUB), occurrence.original_start, cancelled=True)
    user = UserId("telegram:1")
    assert notice_key(user, change) == cancellation_key(user, occurrence)
