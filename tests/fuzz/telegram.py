"""Telegram's entries: any update JSON, button data (forged, garbled, signed), deep links.

Updates are built as Telegram's JSON (with odd entities, senders, chats and replies), read by
python-telegram-bot as the channel reads them, and handed to the real
:class:`~bot.telegram.adapter.TelegramAdapter`; a recording bot stands in for the Bot API.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup, Update

from bot.telegram.adapter import MAX_CALLBACK_ANSWER, TelegramAdapter
from bot.telegram.callbacks import CallbackCodec, UnencodableError
from bot.telegram.translate import MAX_MESSAGE_UTF16, chat_id, user_id, utf16_len
from handlers.core.events import ActionKind
from tests.fuzz.core import BOT_NAME, COORDINATOR_CHAT, NOW, PEOPLE, fuzz_conversation
from tests.fuzz.tally import Tally, check_callback_data, check_telegram_html
from tests.fuzz.texts import choice_arguments, hostile_text, language_codes, short_text
from tests.wiring import declared_table

BOT_ID = 424_242
DATE = int(NOW.timestamp())
SECRET = b"tarjotin-fuzz-secret-0123456789abcdef"
COMMAND_NAMES = tuple(sorted(declared_table().command_names))
GROUPS = (-COORDINATOR_CHAT, -200, -1_001_234_567_890)

people = st.one_of(st.sampled_from(PEOPLE), st.integers(1, 2**40))


@st.composite
def senders(draw: st.DrawFn, number: int) -> dict[str, Any]:
    """A ``User`` object; now and then a bot, without a name, or with an odd language code."""
    sender: dict[str, Any] = {
        "id": number,
        "is_bot": draw(st.integers(0, 19)) == 0,
        "first_name": draw(short_text),
    }
    if draw(st.booleans()):
        sender["last_name"] = draw(short_text)
    code = draw(language_codes)
    if code is not None:
        sender["language_code"] = code
    return sender


@st.composite
def texts_with_entities(
    draw: st.DrawFn, names: tuple[str, ...] = COMMAND_NAMES
) -> tuple[str, list[dict[str, Any]]]:
    """A message text and its entities: a command, a mention of the bot, or plain text."""
    form = draw(st.sampled_from(("command", "command", "mention", "plain", "plain")))
    entities: list[dict[str, Any]] = []
    if form == "command":
        name = draw(
            st.one_of(st.sampled_from(names), st.sampled_from(("Start", "HELP", "x")), short_text)
        )
        target = draw(st.sampled_from(("", "", f"@{BOT_NAME}", "@other_bot", "@TARJOTIN_BOT")))
        word = f"/{name}{target}"
        argument = draw(hostile_text)
        text = f"{word} {argument}" if argument or draw(st.booleans()) else word
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(word)})
    elif form == "mention":
        before, after = draw(short_text), draw(hostile_text)
        mention = draw(st.sampled_from((f"@{BOT_NAME}", f"@{BOT_NAME.upper()}", "@someone")))
        text = f"{before}{mention} {after}"
        entities.append(
            {"type": "mention", "offset": utf16_len(before), "length": utf16_len(mention)}
        )
    else:
        text = draw(hostile_text)
    for _ in range(draw(st.integers(0, 2))):  # entities that point anywhere
        entities.append(
            {
                "type": draw(st.sampled_from(("bot_command", "mention", "bold", "url"))),
                "offset": draw(st.integers(0, utf16_len(text) + 3)),
                "length": draw(st.integers(0, utf16_len(text) + 3)),
            }
        )
    return text, entities


@st.composite
def messages(
    draw: st.DrawFn, texts: st.SearchStrategy[tuple[str, list[dict[str, Any]]]] | None = None
) -> dict[str, Any]:
    """A ``Message`` in a private chat or a group: text, media, or nothing readable."""
    number = draw(people)
    private = draw(st.integers(0, 3)) > 0
    chat: dict[str, Any] = (
        {"id": number, "type": "private", "first_name": "A"}
        if private
        else {
            "id": draw(st.sampled_from(GROUPS)),
            "type": draw(st.sampled_from(("group", "supergroup"))),
            "title": "G",
        }
    )
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 2**31 - 1)),
        "date": DATE,
        "chat": chat,
    }
    if draw(st.integers(0, 19)) > 0:
        message["from"] = draw(senders(number))
    kind = draw(st.sampled_from(("text",) * 6 + ("sticker", "location", "voice", "none")))
    if kind == "text":
        message["text"], message["entities"] = draw(
            texts if texts is not None else texts_with_entities()
        )
    elif kind == "sticker":
        message["sticker"] = {
            "file_id": "s",
            "file_unique_id": "s",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    elif kind == "location":
        message["location"] = {"latitude": 60.4, "longitude": 24.8}
    elif kind == "voice":
        message["voice"] = {"file_id": "v", "file_unique_id": "v", "duration": 3}
    if draw(st.integers(0, 3)) == 0:
        author = draw(st.sampled_from((BOT_ID, number, 77)))
        replied: dict[str, Any] = {
            "message_id": draw(st.integers(1, 50)),
            "date": DATE,
            "chat": chat,
            "from": {
                "id": author,
                "is_bot": author == BOT_ID,
                "first_name": "T",
                "username": BOT_NAME if author == BOT_ID else "someone",
            },
            "text": draw(short_text) or "x",
        }
        if draw(st.integers(0, 4)) == 0:
            replied["forum_topic_created"] = {"name": "t", "icon_color": 7322096}
        message["reply_to_message"] = replied
    return message


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    """Any update the bot may get: messages, button presses, membership changes, others."""
    update: dict[str, Any] = {"update_id": draw(st.integers(1, 2**31 - 1))}
    kind = draw(
        st.sampled_from(
            ("message",) * 6 + ("callback_query", "my_chat_member", "edited_message", "other")
        )
    )
    if kind in ("message", "edited_message"):
        update[kind] = draw(messages())
    elif kind == "callback_query":
        number = draw(people)
        update["callback_query"] = {
            "id": "q",
            "from": draw(senders(number)),
            "chat_instance": "c",
            "data": draw(st.one_of(st.text(max_size=80), hostile_text)),
        }
        if draw(st.booleans()):
            update["callback_query"]["message"] = draw(messages())
    elif kind == "my_chat_member":
        number = draw(people)
        private = draw(st.booleans())
        chat = {"id": number if private else -200, "type": "private" if private else "group"}
        member = {"id": BOT_ID, "is_bot": True, "first_name": "T"}
        update["my_chat_member"] = {
            "chat": chat,
            "from": draw(senders(number)),
            "date": DATE,
            "old_chat_member": {"user": member, "status": "member"},
            "new_chat_member": draw(
                st.sampled_from(
                    (
                        {"user": member, "status": "kicked", "until_date": 0},
                        {"user": member, "status": "member"},
                        {"user": member, "status": "left"},
                    )
                )
            ),
        }
    return update


def deep_links() -> st.SearchStrategy[dict[str, Any]]:
    """``/start <payload>`` in a private chat, the payload after a known prefix or anything."""
    prefixes = ("a-", "n-", "i-", "")
    payloads = st.one_of(
        st.builds(
            lambda p, rest: p + rest,
            st.sampled_from(prefixes),
            st.one_of(
                st.sampled_from(("nurmijarvi", "espoo", "x" * 64, "")),
                short_text,
                st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=70),
            ),
        ),
        hostile_text,
    )

    @st.composite
    def start(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
        payload = draw(payloads)
        return f"/start {payload}", [{"type": "bot_command", "offset": 0, "length": 6}]

    return st.builds(
        lambda number, message: {
            "update_id": 1,
            "message": message
            | {
                "chat": {"id": number, "type": "private", "first_name": "A"},
                "from": {"id": number, "is_bot": False, "first_name": "A"},
            },
        },
        people,
        messages(start()),
    )


@dataclass
class RecordingBot:
    """The Bot API as the adapter calls it: messages and button answers are kept."""

    sent: list[tuple[str, InlineKeyboardMarkup | None]] = field(default_factory=list)
    answers: list[str | None] = field(default_factory=list)
    defaults: None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        **_: Any,
    ) -> SimpleNamespace:
        self.sent.append((text, reply_markup))
        return SimpleNamespace(message_id=next(self._ids))

    async def answer_callback_query(
        self, callback_query_id: str, text: str | None = None, **_: Any
    ) -> bool:
        self.answers.append(text)
        return True


def check_sent(tally: Tally, bot: RecordingBot, given: object) -> None:
    """Every message sent: escaped, within 4096 UTF-16 units; its buttons' data within 64 bytes."""
    for text, markup in bot.sent:
        check_telegram_html(tally, text, given)
        for row in markup.inline_keyboard if markup is not None else ():
            for button in row:
                check_callback_data(tally, str(button.callback_data or ""), given)
    for answer in bot.answers:
        if answer is not None and len(answer) > MAX_CALLBACK_ANSWER:
            tally.oversized.append(f"a button answer of {len(answer)} chars <- {given!r:.300}")


class TelegramEntry:
    """Update JSON through python-telegram-bot and the adapter to the core and back."""

    def __init__(self, name: str = "telegram updates") -> None:
        conversation, _ = fuzz_conversation(user_id, lambda n: chat_id(-n))
        self.codec = CallbackCodec(SECRET, clock=NOW.timestamp)
        self.adapter = TelegramAdapter(conversation, self.codec, BOT_NAME, BOT_ID)
        self.tally = Tally(name, MAX_MESSAGE_UTF16, "UTF-16 units")
        self.bot = RecordingBot()

    async def feed(self, given: dict[str, Any]) -> None:
        """Read the update as the channel does, let the adapter handle it, check what it sent."""
        self.bot.sent.clear()
        self.bot.answers.clear()
        update = Update.de_json(given, cast(Any, self.bot))
        await self.adapter.handle(update, cast(Any, self.bot))
        check_sent(self.tally, self.bot, given)


@dataclass(frozen=True)
class Press:
    """A button press to forge: how its data is made, by whom, where."""

    form: str
    presser: int
    kind: ActionKind
    argument: str
    index: int
    private: bool


presses = st.builds(
    Press,
    st.sampled_from(("signed", "signed", "recorded", "recorded", "garbled", "foreign", "random")),
    people,
    st.sampled_from(list(ActionKind)),
    choice_arguments,
    st.integers(0, 2**16),
    st.integers(0, 3).map(bool),
)


class CallbackEntry(TelegramEntry):
    """Button data: signed with any argument, replayed, garbled, another user's, random."""

    def __init__(self) -> None:
        super().__init__("callback data")
        self.recorded: list[str] = []

    def data_of(self, press: Press) -> str:
        """The callback data the press carries."""
        if press.form in ("recorded", "garbled", "foreign") and self.recorded:
            data = self.recorded[press.index % len(self.recorded)]
            if press.form == "garbled":
                at = press.index % len(data)
                flipped = "A" if data[at] != "A" else "B"
                return (data[:at] + flipped + data[at + 1 :])[: 64 - press.index % 3]
            return data
        if press.form == "random":
            return press.argument
        try:
            return self.codec.encode(press.kind, press.argument, press.presser)
        except UnencodableError:
            return press.argument

    async def feed(self, given: Press) -> None:  # type: ignore[override]
        """Press the button (in the presser's private chat or a group) and check the answer."""
        chat = (
            {"id": given.presser, "type": "private", "first_name": "A"}
            if given.private
            else {"id": -COORDINATOR_CHAT, "type": "supergroup", "title": "G"}
        )
        update = {
            "update_id": 1,
            "callback_query": {
                "id": "q",
                "chat_instance": "c",
                "data": self.data_of(given),
                "from": {"id": given.presser, "is_bot": False, "first_name": "A"},
                "message": {"message_id": 3, "date": DATE, "chat": chat},
            },
        }
        await super().feed(update)
        for _text, markup in self.bot.sent:
            for row in markup.inline_keyboard if markup is not None else ():
                self.recorded += [str(button.callback_data) for button in row]
        del self.recorded[:-200]
