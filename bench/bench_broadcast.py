"""A broadcast at scale: ``python -m bench.bench_broadcast [--subscriptions N]``.

Measures, on SQLite in a temporary directory (or ``--database-url``, a throw-away PostgreSQL
database whose schema is emptied first) with the demo catalogue and N subscriptions
(see :func:`bench.bench_reminders.seed`: 90 % to single activities, 10 % to language clubs
of the user's network), a coordinator's broadcast to every subscriber of the organisation
with the most subscribers, driven through the real conversation (``/volunteer`` → the
organisation → *Message to all subscribers* → text → *Send*):

- the preview (who gets which version): people counted per language by the database;
- Send: storing the broadcast and one outbox row per person, in their language;
- stopping it (withdrawing the rows not sent yet);
- peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy import delete, func, select

from bench import bench_reminders
from bench.bench_reminders import empty_database, reusable, seed
from bot.bootstrap import build_app, build_runtime, ensure_catalogue, wall_clock
from bot.config import Settings
from bot.storage.models import OutboxRow, SubscriptionRow
from handlers.core.conversation import Conversation
from handlers.core.events import (
    Action,
    ActionKind,
    ChatId,
    Choice,
    Command,
    IncomingMessage,
    Reply,
    UserId,
)

COORDINATOR = UserId("telegram:999999999")
CHAT = ChatId(str(COORDINATOR))


def pressed(replies: list[Reply], prefix: str) -> Action:
    """The first offered action whose argument starts with ``prefix``."""
    for reply in replies:
        for action in reply.actions:
            if action.argument.startswith(prefix):
                return action
    raise LookupError(prefix)


async def choose(conversation: Conversation, action: Action) -> list[Reply]:
    """Press one button as the coordinator."""
    return await conversation.on_choice(Choice(COORDINATOR, CHAT, action.kind, action.argument))


async def run(
    count: int, directory: Path, url: str | None = None, reuse_seed: bool = False
) -> None:
    """Seed, then broadcast through the conversation, timing each step."""
    reuse = url is not None and reuse_seed and await reusable(url, count)
    if url is not None and not reuse:
        await empty_database(url)
    busiest_network = "nurmijarvi"
    coordination = directory / "coordination.yaml"
    coordination.write_text(
        f"networks:\n  {busiest_network}:\n    coordinators: ['{COORDINATOR}']\n",
        encoding="utf-8",
    )
    settings = Settings(
        data_dir=directory,
        coordination_file=coordination,
        database_url=SecretStr(url) if url is not None else None,
    )
    app = await build_app(settings)
    try:
        stored = await ensure_catalogue(app)
        runtime = await build_runtime(app, stored, clock=wall_clock(ZoneInfo(stored.timezone)))
        conversation, live = runtime.conversation, runtime.live
        catalogue = live().catalogue
        dated = [a.id for a in catalogue.activities if not a.is_ongoing]
        if reuse:
            async with app.database.sessions.begin() as session:
                await session.execute(delete(OutboxRow))
        else:
            await seed(app.database, count, dated, [n.id for n in catalogue.networks])
        async with app.database.sessions() as session:
            rows = await session.execute(
                select(SubscriptionRow.activity_id, func.count()).group_by(
                    SubscriptionRow.activity_id
                )
            )
            per_activity = {activity: n for activity, n in rows if activity}
        organisations: list[str] = [
            o.id for o in catalogue.organisations if busiest_network in o.networks
        ]
        per_organisation: Counter[str] = Counter()
        for activity in catalogue.activities:
            if activity.organisation in organisations:
                per_organisation[activity.organisation] += per_activity.get(activity.id, 0)
        organisation, _ = per_organisation.most_common(1)[0]
        await conversation.on_command(Command(COORDINATOR, CHAT, "start", "", "en"))
        await conversation.on_choice(Choice(COORDINATOR, CHAT, ActionKind.CHOOSE_LANGUAGE, "en"))
        await conversation.on_choice(
            Choice(COORDINATOR, CHAT, ActionKind.CHOOSE_NETWORK, busiest_network)
        )
        replies = await conversation.on_command(Command(COORDINATOR, CHAT, "volunteer"))
        page = 0
        wanted = f"org:{organisations.index(organisation)}"
        while True:
            try:
                replies = await choose(conversation, pressed(replies, wanted))
                break
            except LookupError:
                page += 1
                replies = await choose(conversation, pressed(replies, "opage:"))
                if page > len(organisations):
                    raise
        replies = await choose(conversation, pressed(replies, "do:bcorg"))
        text = "Tervetuloa joulujuhlaan lauantaina klo 15! Welcome to the Christmas party."
        started = time.perf_counter()
        replies = await conversation.on_message(IncomingMessage(COORDINATOR, CHAT, text, "en"))
        preview = time.perf_counter() - started
        started = time.perf_counter()
        replies = await choose(conversation, pressed(replies, "send"))
        send = time.perf_counter() - started
        async with app.database.sessions() as session:
            queued = await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.category == "broadcast")
            )
        queued = queued or 0
        started = time.perf_counter()
        await choose(conversation, pressed(replies, "stop:"))
        stop = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"database                    {app.database.engine.dialect.name}")
        print(f"subscriptions               {count:,}")
        print(f"organisation                {organisation} ({queued:,} people)")
        print(f"preview                     {preview:.2f} s")
        print(f"send (store + queue)        {send:.2f} s  = {queued / send:,.0f} rows/s")
        print(f"stop (withdraw waiting)     {stop:.2f} s")
        print(f"peak RSS                    {rss:.0f} MiB")
    finally:
        await app.close()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark in a temporary directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--database-url", help="a throw-away PostgreSQL database")
    parser.add_argument("--reuse-seed", action="store_true", help="keep N seeded rows")
    arguments = parser.parse_args(argv)
    bench_reminders.REUSE_SEED = arguments.reuse_seed
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(
            run(
                arguments.subscriptions,
                Path(directory),
                arguments.database_url,
                arguments.reuse_seed,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
