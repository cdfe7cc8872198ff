"""Matrix's entry: any room event's JSON, classified, handed to the core, answered as a notice.

The driver does what :class:`~bot.matrix.channel.MatrixChannel` does with one event, minus the
homeserver: :func:`~bot.matrix.translate.inbound` with the room's view (a direct room, or the
coordinators' room), :func:`~bot.matrix.translate.to_core` with the sender's standing offer, the
core, then :func:`~bot.matrix.translate.render` and
:func:`~bot.matrix.translate.notice_content`; the events it "sends" become the bot's events
that later replies and reactions point at.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

from bot.matrix.channel import ask_core, choice_hint
from bot.matrix.translate import (
    InboundKind,
    Offer,
    RoomView,
    answered_event,
    inbound,
    matrix_chat,
    matrix_user,
    notice_content,
    offered_actions,
    render,
    to_core,
)
from tests.fuzz.core import COORDINATOR_CHAT, PEOPLE, fuzz_conversation
from tests.fuzz.tally import MATRIX_CONTENT_BYTES, Tally, check_matrix_content
from tests.fuzz.texts import MARKUP, NUMBERS, hostile_text, short_text

BOT = "@tarjotin:example.org"
DIRECT = "!direct:example.org"
GROUP = f"!room{COORDINATOR_CHAT}:example.org"
#: The bot's events are named in turn from this many names, so replies can point at them.
BOT_EVENTS = 6
KEYS = ("✅", "✔️", "1️⃣", "2️⃣", "🔟", "👍", "1", "٣", "9" * 40, "1️⃣1️⃣", "")


def mxid(number: int) -> str:
    """The Matrix id of one of the fuzz core's people."""
    return f"@u{number}:example.org"


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), short_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
bot_event_ids = st.sampled_from([f"$bot{n}" for n in range(BOT_EVENTS)] + ["$other"])
#: Text with lone surrogates and other code points a JSON ``\\u`` escape can carry.
escaped_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=20)


@st.composite
def relations(draw: st.DrawFn) -> Any:
    """``m.relates_to``: replies, threads, reactions, edits, and broken ones."""
    form = draw(st.sampled_from(("reply", "thread", "annotation", "replace", "junk")))
    target = draw(st.one_of(bot_event_ids, json_values))
    if form == "reply":
        return {"m.in_reply_to": {"event_id": target}}
    if form == "thread":
        return {"rel_type": "m.thread", "event_id": target, "is_falling_back": True,
                "m.in_reply_to": {"event_id": draw(bot_event_ids)}}  # fmt: skip
    if form == "annotation":
        key = draw(st.one_of(st.sampled_from(KEYS), st.sampled_from(NUMBERS), short_text))
        return {"rel_type": "m.annotation", "event_id": target, "key": key}
    if form == "replace":
        return {"rel_type": "m.replace", "event_id": target}
    return draw(json_values)


@st.composite
def contents(draw: st.DrawFn) -> dict[str, Any]:
    """An event's ``content``: text or not, formatted or not, related or not, plus junk."""
    content: dict[str, Any] = {}
    if draw(st.integers(0, 9)) > 0:
        content["msgtype"] = draw(
            st.one_of(
                st.sampled_from(("m.text",) * 5 + ("m.emote", "m.notice", "m.image", "m.file")),
                json_values,
            )
        )
    if draw(st.integers(0, 9)) > 0:
        body = draw(st.one_of(hostile_text, hostile_text, escaped_text, json_values))
        if isinstance(body, str) and draw(st.integers(0, 3)) == 0:
            prefix = draw(st.sampled_from(("!", "/", f"{BOT} ", "Tarjotin: ", "> <@a:x> q\n\n")))
            body = prefix + body
        content["body"] = body
    if draw(st.booleans()):
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = draw(
            st.one_of(
                st.lists(st.sampled_from(MARKUP), max_size=6).map("".join),
                st.just(f'<a href="https://matrix.to/#/{BOT}">Tarjotin</a>: hei'),
                json_values,
            )
        )
    if draw(st.integers(0, 2)) == 0:
        content["m.relates_to"] = draw(relations())
    if draw(st.integers(0, 3)) == 0:
        content["m.mentions"] = draw(
            st.one_of(st.just({"user_ids": [BOT]}), st.just({"room": True}), json_values)
        )
    for key, value in draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)).items():
        content.setdefault(key, value)
    return content


@st.composite
def events(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A room and one event in it, as the homeserver (or the decryption) hands it over."""
    room = draw(st.sampled_from((DIRECT, DIRECT, GROUP)))
    kind = draw(
        st.one_of(
            st.sampled_from(("m.room.message",) * 6 + ("m.reaction",) * 2 + ("m.sticker",
                            "m.poll.start", "m.room.member")),
            short_text,
            json_values,
        )
    )  # fmt: skip
    sender = draw(st.one_of(st.sampled_from([mxid(n) for n in PEOPLE]), st.just(BOT), short_text))
    event: dict[str, Any] = {
        "type": kind,
        "sender": sender,
        "event_id": draw(st.one_of(st.just("$in"), bot_event_ids, json_values)),
        "content": draw(st.one_of(contents(), contents(), json_values)),
    }
    if draw(st.integers(0, 19)) == 0:
        del event[draw(st.sampled_from(("sender", "event_id", "content")))]
    return room, event


class MatrixEntry:
    """Room events through the translation and the core to the notices the bot would send."""

    def __init__(self) -> None:
        self.conversation, _ = fuzz_conversation(
            lambda n: matrix_user(mxid(n)), lambda n: matrix_chat(f"!room{n}:example.org")
        )
        self.tally = Tally("Matrix events", MATRIX_CONTENT_BYTES, "bytes")
        self.offers: dict[tuple[str, str], Offer] = {}
        self.sent = itertools.count()

    async def feed(self, given: tuple[str, dict[str, Any]]) -> None:
        """Classify the event, ask the core, render and check every notice."""
        room, event = given
        conversation = self.conversation
        view = RoomView(
            bot=BOT,
            names=("Tarjotin",),
            direct=room == DIRECT,
            bot_events=frozenset(f"$bot{n}" for n in range(BOT_EVENTS)),
            group_commands=conversation.flows.group_commands,
        )
        incoming = inbound(event, view)
        if incoming.kind is InboundKind.IGNORE:
            return
        offer = self.offers.get((room, incoming.sender))
        core = to_core(incoming, room, offer, in_group=not view.direct, sender_name="Ana <b>")
        if core is None:
            return
        replies = await ask_core(conversation, core, incoming.sender)
        commands = conversation.flows.command_names
        for reply in replies:
            actions = offered_actions(reply)
            hint = choice_hint(conversation, reply.language) if actions else None
            plain, markup = render(reply, actions, hint, commands)
            content = notice_content(
                plain,
                markup,
                answer_to=answered_event(incoming),
                mention=incoming.sender,
                thread=incoming.thread,
            )
            check_matrix_content(self.tally, content, given)
            sent = f"$bot{next(self.sent) % BOT_EVENTS}"
            if actions:
                self.offers[(room, incoming.sender)] = Offer(sent, actions)
            else:
                self.offers.pop((room, incoming.sender), None)
