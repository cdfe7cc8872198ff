"""The Matrix channel: one nio client, one sync loop, the conversation core behind it.

The loop syncs, lets nio decrypt, then hands each timeline event to the fair intake
(:mod:`bot.intake`): each room's events are handled in order, rooms alongside each other, and
a flooding room is told to wait and has its burst of questions coalesced, so nobody else
waits for it. Each event is classified and mapped to a core event by
:mod:`bot.matrix.translate`, the core answers, and each reply is sent as an ``m.notice``
through :mod:`bot.matrix.limits`. The sync token saved for a restart is the newest one whose
events, and all earlier ones, are handled (:class:`~bot.matrix.fairness.SyncWatermark`), so
a restart resumes where the bot stopped; the ids of handled events are saved too, so a sync
replayed after a crash is not answered twice.

Every event is handled inside its own guard: a failure is logged (room and event id, the
error's type; never message text or names) and the loop goes on with the next event.

The bot accepts every invitation: direct rooms (the bot and one other person) get a short
greeting when the bot joins; rooms with more people (a network's coordinator room) are joined
quietly and only what is addressed to the bot is answered there, replies to the bot's messages
included (see :mod:`bot.matrix.translate`). A reply to a bot message older than those the state
remembers is recognised by asking the homeserver who sent the replied-to event.

Unprompted messages (reminders, forwarded requests) go out through
:meth:`MatrixChannel.send_content`, which :mod:`bot.matrix.outbox_sender` uses.

An event that cannot be decrypted is never passed over in silence: the bot asks the sender's
devices for the missing key and waits a few seconds (keys can trail their message); if the key
comes, the event is answered as usual, otherwise the sender is asked to send it again. Device
trust: see :mod:`bot.matrix.trust`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import traceback
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

from nio import (
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    LocalProtocolError,
    MegolmEvent,
    SyncError,
    UploadResponse,
)

from bot.intake import Entry, FairIntake
from bot.log_ids import who
from bot.matrix.fairness import SyncBatch, SyncWatermark, weight_of
from bot.matrix.ids import EventId, MatrixUserId, RoomId, event_id_of, room_id_of, sender_of
from bot.matrix.limits import (
    MATRIX_LIMITS,
    MATRIX_RETRY,
    Sleep,
    Stats,
    Verdict,
    call_with_retries,
    retry_after_ms,
    verdict,
)
from bot.matrix.login import Account, log_in
from bot.matrix.state import ChannelState, Credentials, MatrixPaths, load_state, save_state
from bot.matrix.translate import (
    CoreEvent,
    InboundKind,
    Offer,
    Refusal,
    RoomView,
    answered_event,
    inbound,
    is_direct,
    matrix_account,
    matrix_chat,
    matrix_user,
    notice_content,
    offered_actions,
    render,
    replied_event,
    to_core,
)
from bot.matrix.trust import trust_on_first_use
from bot.pacing import ChannelLimits, Pacer, Pacing, RetryPolicy
from handlers.core.conversation import Conversation
from handlers.core.events import Action, Choice, Command, Document, IncomingMessage, Reply, UserId

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Kept in memory only: undecryptable Megolm sessions already answered in group rooms.
REMEMBERED_SESSIONS = 1_000
#: The long-poll while an undecryptable event waits for its key, so its grace is kept.
UNDECRYPTED_POLL_MS = 500
#: Kept in memory only: whether replied-to events the state did not remember were the bot's.
REMEMBERED_AUTHORS = 1_000


def choice_hint(conversation: Conversation, language: str) -> str:
    """The line under numbered choices, in the reply's language."""
    return conversation.speaker(language).gettext("Answer with the number, or react with it.")


def resend_request(conversation: Conversation, language: str | None) -> Reply:
    """What the bot says about a message it could not decrypt."""
    speaker = conversation.speaker(language)
    text = speaker.gettext(
        "I could not read your last message: it was encrypted with a key I did not receive. "
        "Please send it again."
    )
    return Reply(text, speaker.language)


@dataclass(frozen=True)
class MatrixConfig:
    """Everything the channel is configured with."""

    account: Account
    data_dir: Path
    sync_timeout_ms: int = 30_000
    timeline_limit: int = 50
    retry: RetryPolicy = MATRIX_RETRY
    limits: ChannelLimits = MATRIX_LIMITS
    #: How long an undecryptable event waits for its key (keys may trail their message).
    decrypt_grace_seconds: float = 3.0
    #: Events a room may have waiting before its plain questions are coalesced, and at all.
    room_queue_bound: int = 8
    room_queue_cap: int = 200
    #: Rooms whose events are handled at the same time.
    max_active_rooms: int = 64
    #: How long stopping waits for the events in hand.
    stop_grace: float = 5.0

    @property
    def paths(self) -> MatrixPaths:
        """The channel's files."""
        return MatrixPaths.in_data_dir(self.data_dir)

    def sync_filter(self) -> dict[str, Any]:
        """Only what the bot reads: room timelines and state; no presence, typing or receipts."""
        return {
            "presence": {"not_types": ["*"]},
            "room": {
                "timeline": {"limit": self.timeline_limit},
                "ephemeral": {"not_types": ["*"]},
            },
        }


class MatrixSyncError(Exception):
    """A sync failed with an error the loop backs off from."""


class ChannelStoppedError(RuntimeError):
    """The channel is not running (not started yet, or stopped): nothing can be sent now."""


class NotInRoomError(LookupError):
    """The bot is not (or no longer) in the room it was asked to write to."""


def member_name(room: Any, user: str) -> str | None:
    """The display name ``user`` has in the room, if they set one."""
    member = room.users.get(user)
    name = getattr(member, "display_name", None) if member is not None else None
    return name if isinstance(name, str) and name else None


class MatrixChannel:
    """Answers Matrix users through the conversation core until stopped."""

    name = "matrix"

    def __init__(
        self, config: MatrixConfig, conversation: Conversation, *, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.config = config
        self.conversation = conversation
        self.stats = Stats()
        self._sleep = sleep
        #: The one pacer and retry policy of this channel, shared with its outbox drainer.
        self.pacing = Pacing(Pacer(config.limits), config.retry, charged_by_channel=True)
        self._client: Any = None
        self._state = ChannelState()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._idle = False
        self._answered_sessions: OrderedDict[str, None] = OrderedDict()
        self._credentials: Credentials | None = None
        self._undecrypted: list[tuple[RoomId, Any, float]] = []
        self._needs_full_state = True
        self._reply_authors: OrderedDict[str, bool] = OrderedDict()
        self.intake = self._new_intake()
        self._watermark = SyncWatermark(self._keep_token)
        self._since: str | None = None

    def _new_intake(self) -> FairIntake:
        config = self.config
        return FairIntake(
            bound=config.room_queue_bound,
            hard_cap=config.room_queue_cap,
            max_active=config.max_active_rooms,
            may_coalesce=self._may_coalesce,
            on_overflow=self._tell_to_wait,
        )

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def user_id(self) -> str:
        """The bot's Matrix id (known once :meth:`start` has logged in)."""
        return self._credentials.user_id if self._credentials else ""

    @property
    def device_id(self) -> str:
        """The bot's one device (known once :meth:`start` has logged in)."""
        return self._credentials.device_id if self._credentials else ""

    async def start(self) -> None:
        """Log in, catch up with one sync, then keep syncing in the background."""
        quiet_nio()
        paths = self.config.paths
        paths.create()
        self._state = load_state(paths.state)
        self._stopping = False
        self._needs_full_state = True
        self._since = self._state.sync_token
        self.intake = self._new_intake()
        self._watermark = SyncWatermark(self._keep_token)
        self._client = AsyncClient(
            self.config.account.homeserver,
            self.config.account.user,
            store_path=str(paths.crypto),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=False,
                max_limit_exceeded=0,
                max_timeouts=0,
            ),
        )
        try:
            self._credentials = await log_in(
                self._client, self.config.account, paths.session, self.config.retry, self.stats
            )
            await self._housekeeping()
            await self._sync_once()
        except BaseException:
            client, self._client = self._client, None
            await client.close()
            raise
        self._task = asyncio.create_task(self._run(), name="matrix-sync")

    async def stop(self) -> None:
        """Stop syncing, finish the events in hand, save the state and disconnect."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            if self._idle:
                task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await self.intake.close(self.config.stop_grace)
        if self._client is not None and self._undecrypted:
            await self._settle_undecrypted(force=True)
        client, self._client = self._client, None
        if client is not None:
            self._save()
            await client.close()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._sync_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                wait = self.config.retry.backoff(failures)
                log.error("Matrix sync failed (%s); retrying in %.1f s", _name(error), wait)
                await self._interruptible(self._sleep(wait))

    async def _interruptible(self, awaitable: Awaitable[T]) -> T:
        """Await something :meth:`stop` may cancel: nothing is half done while it runs."""
        self._idle = True
        try:
            return await awaitable
        finally:
            self._idle = False

    def _save(self) -> None:
        save_state(self.config.paths.state, self._state)

    async def user_erased(self, user: UserId) -> None:
        """After /forget: drop the person's standing offers and save the state at once.

        The state file is the channel's only record naming a person (their Matrix id keys
        their offers); what nio's crypto store keeps is public device keys, see
        :mod:`bot.matrix.state`. A stopped channel scrubs the saved file (start reloads it).
        """
        account = matrix_account(user)
        path = self.config.paths.state
        if account is None or (self._client is None and not path.exists()):
            return
        running = self._client is not None
        if not running:
            self._state = load_state(path)
        # Saved even with nothing dropped now: the file may be older than the memory.
        if self._state.forget_user(account) or running:
            self._save()

    # --- syncing ---------------------------------------------------------------------------

    async def _sync_once(self) -> None:
        """One sync and everything it brought; the first after a start carries full state."""
        since, full = self._since, self._needs_full_state
        timeout = self.config.sync_timeout_ms
        if full:
            timeout = 0
        elif self._undecrypted:
            timeout = min(timeout, UNDECRYPTED_POLL_MS)
        response = await self._interruptible(
            self._client.sync(
                timeout=timeout,
                sync_filter=self.config.sync_filter(),
                since=since,
                full_state=True if full else None,
            )
        )
        if isinstance(response, SyncError):
            if verdict(response) is Verdict.RATE_LIMITED:
                self.stats.rate_limited += 1
                await self._interruptible(
                    self._sleep(self.config.retry.retry_after(retry_after_ms(response)))
                )
                return
            if response.status_code == "M_UNKNOWN_TOKEN" and self.config.account.password:
                await log_in(
                    self._client,
                    self.config.account,
                    self.config.paths.session,
                    self.config.retry,
                    self.stats,
                )
            raise MatrixSyncError(str(response.status_code))
        await self._housekeeping()
        batch = self._watermark.begin(response.next_batch)
        # The very first sync of a new bot returns old history: join invitations, answer none.
        self._hand_over(response, batch, answer=not (full and since is None))
        self._watermark.seal(batch)
        await self._settle_undecrypted(force=False)
        self._needs_full_state = False
        self._since = response.next_batch

    def _keep_token(self, token: str) -> None:
        """Every event up to ``token`` is done: a restart may sync on from there."""
        self._state.sync_token = token
        self._save()

    async def _housekeeping(self) -> None:
        """Upload, query and claim keys and send queued to-device messages, as nio needs."""
        client = self._client
        try:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()
        except Exception as error:
            log.warning("Matrix key housekeeping failed (%s); retried next sync", _name(error))

    def _hand_over(self, response: Any, batch: SyncBatch, *, answer: bool) -> None:
        """Queue the sync's work per room (see :mod:`bot.intake`); nothing runs here."""
        # nio's untyped sync response: its room ids are typed here, where they enter
        for room_id in map(RoomId, list(response.rooms.invite)):
            self._submit(batch, room_id, None, partial(self._accept, room_id))
        for room_key, info in response.rooms.join.items():
            room_id = RoomId(room_key)
            someone_left = False
            for event in info.timeline.events:
                if answer:
                    self._submit(batch, room_id, event, partial(self._on_event, room_id, event))
                someone_left |= self._is_departure(event.source)
            if someone_left:
                self._submit(batch, room_id, None, partial(self._leave_if_alone, room_id))
        for room_id in map(RoomId, response.rooms.leave):
            self._state.forget_room(room_id)

    def _submit(
        self,
        batch: SyncBatch,
        room_id: RoomId,
        event: Any,
        work: Callable[[], Awaitable[None]],
    ) -> None:
        """Queue one event's work behind the room's earlier events."""
        raw = getattr(event, "event_id", None) if event is not None else None
        event_id = EventId(raw) if isinstance(raw, str) else None
        if event_id is not None and self._state.handled(event_id):
            return
        done = self._watermark.handed_over(batch)
        source = getattr(event, "source", None)
        room = self._client.rooms.get(room_id)
        direct = room is not None and is_direct(room.joined_count, room.invited_count)
        weight = weight_of(
            source if isinstance(source, Mapping) else None, direct=direct, bot=self.user_id
        )

        def finished(ran: bool) -> None:
            if not ran and self._stopping:  # left at shutdown: synced again next start
                return
            if event_id is not None:  # coalesced events count as handled: on purpose
                self._state.mark_handled(event_id)
            done()

        entry = Entry(
            weight,
            partial(self._guard, room_id, event, work),
            finished=finished,
            subject=(room_id, source),
        )
        self.intake.submit(room_id, entry)

    async def _may_coalesce(self, _room: Hashable, entry: Entry) -> bool:
        """A direct room's burst may be coalesced unless a dialogue waits for its text."""
        sender = _sender_of(entry)
        return sender is not None and not await self.conversation.awaits_text(
            matrix_user(sender)
        )

    async def _tell_to_wait(self, _room: Hashable, entry: Entry) -> None:
        """One notice, in the user's language, when a direct room's queue overflows."""
        sender = _sender_of(entry)
        room_id = entry.subject[0] if isinstance(entry.subject, tuple) else None
        room = self._client.rooms.get(room_id) if self._client is not None else None
        if sender is None or room is None or not is_direct(room.joined_count, room.invited_count):
            return
        notice = await self.conversation.busy(matrix_user(sender), None)
        await self._answer(room, MatrixUserId(sender), [notice], keep_offer=True)

    async def _guard(
        self, room_id: RoomId, event: Any, work: Callable[[], Awaitable[None]]
    ) -> None:
        """Run one event's work; a failure is logged and never stops the loop."""
        raw = getattr(event, "event_id", None) if event is not None else None
        event_id = EventId(raw) if isinstance(raw, str) else None
        if event_id is not None and self._state.handled(event_id):
            return
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("a Matrix event failed (%s); going on with the next", _name(error))
            # Where it failed, not the error's text (a server's or nio's, it may quote an id).
            log.debug(
                "event %s in %s failed at\n%s", who(event_id), who(room_id), _frames(error)
            )
        finally:
            if event_id is not None:
                self._state.mark_handled(event_id)

    # --- rooms -----------------------------------------------------------------------------

    async def _accept(self, room_id: RoomId) -> None:
        await call_with_retries(
            "join",
            lambda: self._client.join(room_id),
            policy=self.config.retry,
            stats=self.stats,
            sleep=self._sleep,
        )
        log.info("joined a Matrix room")
        log.debug("joined %s", who(room_id))

    def _is_departure(self, source: Mapping[str, Any]) -> bool:
        content = source.get("content")
        return (
            source.get("type") == "m.room.member"
            and source.get("state_key") != self._client.user_id
            and isinstance(content, Mapping)
            and content.get("membership") in ("leave", "ban")
        )

    async def _leave_if_alone(self, room_id: RoomId) -> None:
        room = self._client.rooms.get(room_id)
        if room is None or room.joined_count + room.invited_count > 1:
            return
        await call_with_retries(
            "leave",
            lambda: self._client.room_leave(room_id),
            policy=self.config.retry,
            stats=self.stats,
            sleep=self._sleep,
        )
        self._state.forget_room(room_id)
        log.info("left a Matrix room where nobody else was")
        log.debug("left %s", who(room_id))

    def _view(self, room: Any) -> RoomView:
        bot = self._client.user_id
        member = room.users.get(bot)
        names = (member.display_name,) if member is not None and member.display_name else ()
        return RoomView(
            bot=bot,
            names=names,
            direct=is_direct(room.joined_count, room.invited_count),
            bot_events=self._state.bot_events(room.room_id),
            group_commands=self.conversation.flows.group_commands,
        )

    def _is_own_join(self, source: Mapping[str, Any]) -> bool:
        content, unsigned = source.get("content"), source.get("unsigned")
        previous = unsigned.get("prev_content") if isinstance(unsigned, Mapping) else None
        return (
            source.get("type") == "m.room.member"
            and source.get("state_key") == self._client.user_id
            and isinstance(content, Mapping)
            and content.get("membership") == "join"
            and not (isinstance(previous, Mapping) and previous.get("membership") == "join")
        )

    # --- events ----------------------------------------------------------------------------

    async def _on_event(self, room_id: RoomId, event: Any) -> None:
        room = self._client.rooms.get(room_id)
        if room is None:
            return
        if isinstance(event, MegolmEvent):
            await self._await_key(room, event)
            return
        source = event.source
        if self._is_own_join(source):
            if is_direct(room.joined_count, room.invited_count):
                await self._greet(room)
            return
        view = await self._with_replied_bot_event(room, source, self._view(room))
        incoming = inbound(source, view)
        if incoming.kind is InboundKind.IGNORE:
            return
        core = to_core(
            incoming,
            room_id,
            self._state.offer(room_id, incoming.sender),
            in_group=not view.direct,
            sender_name=member_name(room, incoming.sender),
        )
        if core is None:
            return
        log.debug("answering %s in %s", who(incoming.event_id), who(room_id))
        replies = await self._ask(core, incoming.sender)
        await self._answer(
            room,
            incoming.sender,
            replies,
            answer_to=answered_event(incoming),
            thread=incoming.thread,
        )

    async def _with_replied_bot_event(
        self, room: Any, source: Mapping[str, Any], view: RoomView
    ) -> RoomView:
        """The view, knowing the replied-to event is the bot's when the homeserver says so.

        Only for replies in rooms with more people to an event the state no longer remembers
        (a coordinator answering an old forwarded request); a direct room needs no look-up.
        """
        target = replied_event(source)
        if (
            view.direct
            or target is None
            or target in view.bot_events
            or source.get("sender") == view.bot
            or not await self._sent_by_bot(room_id_of(room), EventId(target))
        ):
            return view
        bot_events = self._state.bot_events(room_id_of(room)) | {EventId(target)}
        return replace(view, bot_events=bot_events)

    async def _sent_by_bot(self, room_id: RoomId, event_id: EventId) -> bool:
        """Whether the bot sent an event (asked once; a failed look-up counts as no)."""
        known = self._reply_authors.get(event_id)
        if known is not None:
            return known
        try:
            response = await self._client.room_get_event(room_id, event_id)
        except Exception as error:
            log.debug("could not look up a replied-to event (%s)", _name(error))
            return False
        sender = getattr(getattr(response, "event", None), "sender", None)
        if not isinstance(sender, str):
            return False
        ours = bool(sender == self._client.user_id)
        self._reply_authors[event_id] = ours
        while len(self._reply_authors) > REMEMBERED_AUTHORS:
            self._reply_authors.popitem(last=False)
        return ours

    async def _ask(self, core: CoreEvent | Refusal, sender: str) -> list[Reply]:
        return await ask_core(self.conversation, core, sender)

    async def _greet(self, room: Any) -> None:
        bot = self._client.user_id
        others = [user for user in (*room.users, *room.invited_users) if user != bot]
        if not others:
            return
        user = others[0]
        command = Command(matrix_user(user), matrix_chat(room.room_id), "help")
        await self._answer(room, user, await self.conversation.on_command(command))

    async def _await_key(self, room: Any, event: Any) -> None:
        """Ask the sender's devices for a missing key and give it a moment to arrive."""
        if event.sender == self._client.user_id:
            return
        with suppress(LocalProtocolError):
            await self._client.request_room_key(event)
        deadline = time.monotonic() + self.config.decrypt_grace_seconds
        self._undecrypted.append((room_id_of(room), event, deadline))

    async def _settle_undecrypted(self, *, force: bool) -> None:
        """Handle events whose key has come; ask for the rest once their grace is over."""
        pending, self._undecrypted = self._undecrypted, []
        now = time.monotonic()
        for room_id, event, deadline in pending:
            try:
                decrypted = self._client.decrypt_event(event)
            except EncryptionError:
                decrypted = None
            if decrypted is not None:
                await self._guard(room_id, None, partial(self._on_event, room_id, decrypted))
            elif force or now >= deadline:
                room = self._client.rooms.get(room_id)
                if room is not None:
                    await self._guard(room_id, None, partial(self._undecryptable, room, event))
            else:
                self._undecrypted.append((room_id, event, deadline))

    async def _undecryptable(self, room: Any, event: Any) -> None:
        direct = is_direct(room.joined_count, room.invited_count)
        session = f"{room.room_id}|{event.session_id}"
        if not direct and session in self._answered_sessions:
            return
        self._answered_sessions[session] = None
        while len(self._answered_sessions) > REMEMBERED_SESSIONS:
            self._answered_sessions.popitem(last=False)
        log.info("could not decrypt a Matrix event; asking the sender to send it again")
        log.debug("undecryptable %s in %s", who(event.event_id), who(room.room_id))
        profile = await self.conversation.profile(matrix_user(event.sender))
        reply = resend_request(self.conversation, profile.language)
        await self._answer(
            room, sender_of(event), [reply], answer_to=event_id_of(event), keep_offer=True
        )

    # --- sending ---------------------------------------------------------------------------

    async def _answer(
        self,
        room: Any,
        user: MatrixUserId,
        replies: Iterable[Reply],
        *,
        answer_to: str | None = None,
        thread: str | None = None,
        keep_offer: bool = False,
    ) -> None:
        """Send each reply; the last one's choices become the user's standing offer."""
        offer: Offer | None = None
        for reply in replies:
            actions = offered_actions(reply)
            hint = choice_hint(self.conversation, reply.language) if actions else None
            commands = self.conversation.flows.command_names
            plain, markup = render(reply, actions, hint, commands)
            content = notice_content(
                plain,
                markup,
                answer_to=answer_to,
                mention=user if answer_to is not None else None,
                thread=thread,
            )
            event_id = await self._send(room, content)
            self._state.remember_sent(room_id_of(room), event_id)
            offer = Offer(event_id, actions) if actions else None
            if reply.document is not None:  # the tray report: uploaded, then an m.file
                await self._send_document(room, reply.document)
        if not keep_offer:
            self._state.set_offer(room_id_of(room), user, offer)

    async def _send_document(self, room: Any, document: Document) -> None:
        """Upload a file (encrypted in an encrypted room) and send it as an ``m.file``."""
        encrypted = bool(room.encrypted)

        def data(_got_429: int, _got_timeouts: int) -> io.BytesIO:
            return io.BytesIO(document.content)

        response, keys = await self._client.upload(
            data,
            content_type=document.media_type,
            filename=document.filename,
            encrypt=encrypted,
            filesize=len(document.content),
        )
        if not isinstance(response, UploadResponse):
            log.warning("could not upload a file: %s", getattr(response, "status_code", "?"))
            return
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": document.filename,
            "filename": document.filename,
            "info": {"mimetype": document.media_type, "size": len(document.content)},
        }
        if encrypted and keys:
            content["file"] = {**keys, "url": response.content_uri}
        else:
            content["url"] = response.content_uri
        event_id = await self._send(room, content)
        self._state.remember_sent(room_id_of(room), event_id)

    async def _send(self, room: Any, content: dict[str, Any]) -> EventId:
        """Send one reply (encrypted where the room is), paced, riding through rate limits."""
        transaction = str(uuid4())
        chat = f"{self.name}:{room.room_id}"
        response = await call_with_retries(
            "send",
            partial(self._paced_send, chat, room, content, transaction),
            policy=self.config.retry,
            stats=self.stats,
            sleep=self._sleep,
            pause=partial(self.pacing.pacer.pause, None),
        )
        return event_id_of(response)

    async def _paced_send(
        self, chat: str, room: Any, content: Mapping[str, Any], transaction: str
    ) -> Any:
        """One attempt of a reply, once the channel's pacer lets it go."""
        pacer = self.pacing.pacer
        while (wait := pacer.wait_for(chat)) > 0:
            await self._sleep(wait)
        pacer.take(chat)
        return await self._room_send(room, content, transaction)

    async def _room_send(self, room: Any, content: Mapping[str, Any], transaction: str) -> Any:
        """One ``room_send`` (encrypted where the room is); nio's response, errors included."""
        client = self._client
        if room.encrypted:
            if client.should_query_keys:
                await client.keys_query()
            trust_on_first_use(client, (*room.users, *room.invited_users))
        return await client.room_send(
            room.room_id,
            "m.room.message",
            dict(content),
            tx_id=transaction,
            ignore_unverified_devices=True,
        )

    # --- unprompted messages ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the channel is started (and so able to send)."""
        return self._client is not None

    def is_group_room(self, room_id: str) -> bool:
        """Whether a joined room has more people than the bot and one other (a coordinator room).

        ``False`` for a room the bot is not in.
        """
        room = self._client.rooms.get(room_id) if self._client is not None else None
        return room is not None and not is_direct(room.joined_count, room.invited_count)

    async def send_content(
        self,
        room_id: str,
        content: Mapping[str, Any],
        *,
        transaction_id: str,
        offer: tuple[Action, ...] = (),
    ) -> Any:
        """Send one ``m.room.message`` into a joined room: a single attempt, no retries.

        Gives nio's response (the caller maps an ``ErrorResponse``; network errors are
        raised). The homeserver deduplicates a repeated ``transaction_id`` from this device.
        A sent event is remembered as the bot's (replies and reactions to it are recognised)
        and, in a direct room, ``offer`` becomes the other person's standing choices.
        :class:`ChannelStoppedError` when the channel is not running, :class:`NotInRoomError`
        when the bot is not in the room.
        """
        if self._client is None:
            raise ChannelStoppedError("the Matrix channel is not running")
        room = self._client.rooms.get(room_id)
        if room is None:
            raise NotInRoomError("the bot is not in the room")
        response = await self._paced_send(f"{self.name}:{room_id}", room, content, transaction_id)
        event_id = getattr(response, "event_id", None)
        if isinstance(event_id, str):
            self._remember_sent(room, EventId(event_id), offer)
        return response

    def _remember_sent(self, room: Any, event_id: EventId, offer: tuple[Action, ...]) -> None:
        """Note the bot's event; in a direct room its choices become the standing offer."""
        state = self._state
        state.remember_sent(room_id_of(room), event_id)
        if not offer or not is_direct(room.joined_count, room.invited_count):
            return
        bot = self.user_id
        for user in (*room.users, *room.invited_users):
            if user != bot:
                state.set_offer(room.room_id, user, Offer(event_id, offer))


async def ask_core(
    conversation: Conversation, core: CoreEvent | Refusal, sender: str
) -> list[Reply]:
    """The core's replies to one classified room event (a refusal gets the polite answer)."""
    if isinstance(core, IncomingMessage):
        return await conversation.on_message(core)
    if isinstance(core, Command):
        return await conversation.on_command(core)
    if isinstance(core, Choice):
        return await conversation.on_choice(core)
    profile = await conversation.profile(matrix_user(sender))
    if core is Refusal.UNSUPPORTED:
        return [conversation.unsupported(profile.language, None)]
    return [conversation.invalid_choice(conversation.speaker(profile.language))]


def _sender_of(entry: Entry) -> str | None:
    """Who sent the event an intake entry carries."""
    subject = entry.subject
    source = subject[1] if isinstance(subject, tuple) and len(subject) == 2 else None
    sender = source.get("sender") if isinstance(source, Mapping) else None
    return sender if isinstance(sender, str) else None


def quiet_nio() -> None:
    """Keep nio's INFO lines (they name rooms and users) out of the log, unless configured."""
    nio_log = logging.getLogger("nio")
    if nio_log.level == logging.NOTSET and nio_log.getEffectiveLevel() < logging.WARNING:
        nio_log.setLevel(logging.WARNING)


def _frames(error: BaseException) -> str:
    """The traceback's frames (files, lines, code) without the error's message."""
    return "".join(traceback.format_tb(error.__traceback__))


def _name(error: BaseException) -> str:
    """An error's type only: its message might quote a user's text."""
    return type(error).__name__
