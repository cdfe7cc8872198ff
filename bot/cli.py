"""The ``tarjotin`` command: import, export, the week's programme, and running the bot."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot import heap
from bot.ask import answer_json, answer_rows, parse_now, read_batch
from bot.backup.commands import add_backup_commands
from bot.bootstrap import (
    App,
    attach_inbox,
    build_assistant,
    build_reminder_service,
    build_runtime,
    catalogue_at_start,
    channel_senders,
    configured_channels,
    email_senders,
    ensure_catalogue,
    telegram_bot_name,
    temporary_database_url,
    wall_clock,
)
from bot.calendar_feeds import BadFeedRequestError, write_feed
from bot.channels import Channel
from bot.config import MAX_CATALOGUE_MB, ConfigError, Settings, load_settings
from bot.failures import ExitCode, OperatorError, explain, unexpected
from bot.import_report import (
    MAX_WITHDRAWN_SHARE,
    add_import_options,
    refusal_text,
    summary_text,
)
from bot.linkedevents import add_linkedevents_command
from bot.logs import configure_logging
from bot.observability import build_http_server
from bot.poster import add_poster_command
from bot.report import ReportMaker, add_report_command, period, rendered, write_out
from bot.runner import run_channels
from bot.startup_checks import (
    check_catalogue_file,
    check_inbox_settings,
    check_settings,
    open_app,
    refuse_demo,
)
from bot.storage.catalog_store import TooManyWithdrawalsError
from bot.storage.outbox import REPLY
from bot.terminal import BIDI_CHOICES, for_terminal, resolve_bidi
from bot.terminal_chat import (
    COORDINATOR,
    TerminalChat,
    TerminalSender,
    line_reader,
    prompt_on,
    run_chat,
    terminal_senders,
)
from catalog.export import export_text
from catalog.model import Catalogue
from catalog.parse import InvalidCatalogueError, load_catalogue
from catalog.schema_org import schema_org_text
from catalog.sources import keep_source_records
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.ports import Clock
from handlers.newcomers.programme import week_programme, week_start

log = logging.getLogger(__name__)

EXIT_OK = ExitCode.OK
EXIT_INVALID = ExitCode.INVALID_CATALOGUE
EXIT_USAGE = ExitCode.USAGE
EXIT_INTERRUPTED = ExitCode.INTERRUPTED
MIB = 1024 * 1024


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tarjotin",
        description="Tarjotin: a municipality's integration activities in chat, in 14 languages.",
    )
    parser.add_argument(
        "--config", type=Path, help="a file of TARJOTIN_*=value lines (environment wins)"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback when the command fails"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_poster_command(commands)
    add_report_command(commands).set_defaults(handler=_report)
    add_linkedevents_command(commands)
    add_backup_commands(commands)

    run = commands.add_parser("run", help="run the bot on every configured channel")
    run.set_defaults(handler=_run)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--network", help="network id (asked when missing)")
    chat.add_argument("--lang", choices=SUPPORTED_LANGUAGES, metavar="CODE")
    chat.add_argument("--bidi", choices=BIDI_CHOICES, default="auto",
                      help="right-to-left order: visual on a terminal, logical in a pipe")
    chat.set_defaults(handler=_chat)

    ask = commands.add_parser("ask", help="answer one question, or a batch, from a catalogue")
    ask.add_argument("--catalog", type=Path, help="catalogue file (a temporary database)")
    ask.add_argument("--network", help="the asker's network id")
    ask.add_argument("--lang", choices=SUPPORTED_LANGUAGES, metavar="CODE",
                     help="the asker's saved language")
    ask.add_argument("--now", type=iso_instant,
                     help="the time of asking, ISO 8601 (default: now)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--batch", type=Path, help="JSON lines {id, text, lang_hint, network, now}")
    ask.add_argument("text", nargs="?", help="the question")
    ask.set_defaults(handler=_ask)

    importer = commands.add_parser("import", help="import a tarjotin/1 catalogue (YAML or JSON)")
    importer.add_argument("file", type=Path)
    add_import_options(importer)
    importer.add_argument("--overwrite-console", action="store_true",
                          help="let the file replace activities changed in the keepers' console")
    importer.add_argument("--max-size", type=_megabytes, metavar="MB",
                          help="refuse a larger file (default 64, or TARJOTIN_CATALOGUE_MAX_MB)")
    importer.set_defaults(handler=_import)

    exporter = commands.add_parser("export", help="export the catalogue in the tarjotin/1 format")
    exporter.add_argument("--format", choices=("yaml", "json", "schema-org"), default="yaml",
                          help="tarjotin/1 as YAML or JSON, or schema.org Event JSON-LD"
                          " (the next sessions, for a web site to embed)")
    exporter.add_argument("--lang", choices=SUPPORTED_LANGUAGES, metavar="CODE",
                          help="schema-org: the language of the texts"
                          " (default: TARJOTIN_DEFAULT_LANGUAGE)")
    exporter.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    exporter.set_defaults(handler=_export)

    ical = commands.add_parser("ical", help="write a network's (or one activity's) iCal feed")
    ical.add_argument("--network", required=True, help="network id")
    ical.add_argument("--activity", help="only this activity of the network")
    ical.add_argument("--lang", choices=SUPPORTED_LANGUAGES, metavar="CODE",
                      help="language of titles and descriptions (default: the bot's)")
    ical.add_argument("-o", "--output", type=Path, required=True, help="the .ics file to write")
    ical.set_defaults(handler=_ical)

    week = commands.add_parser("week", help="print a week's programme")
    week.add_argument("--network", help="network id (default: every network)")
    week.add_argument("--lang", default=None, choices=SUPPORTED_LANGUAGES, metavar="CODE")
    week.add_argument("--date", type=date.fromisoformat, help="any day of the week, YYYY-MM-DD")
    week.add_argument("--bidi", choices=BIDI_CHOICES, default="auto",
                      help="right-to-left order: visual on a terminal, logical in a file")
    week.set_defaults(handler=_week)
    return parser


def iso_instant(value: str) -> str:
    """An ``--now`` value, checked when the command line is read (kept as given)."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time such as 2026-11-23T18:00 "
            "(local time of the catalogue) or 2026-11-23T18:00+02:00"
        ) from None
    return value


def _unknown_network(catalogue: Catalogue, network: str | None) -> bool:
    """Say so (with the known ids) when ``--network`` names no network of the catalogue."""
    if network is None or catalogue.network(network) is not None:
        return False
    known = ", ".join(n.id for n in catalogue.networks)
    print(f"No network {network!r}. Known: {known}", file=sys.stderr)
    return True


async def _with_app(settings: Settings, work: Callable[[App], Awaitable[int]]) -> int:
    app = await open_app(settings)
    try:
        return await work(app)
    finally:
        await app.close()


def _megabytes(text: str) -> int:
    """``--max-size``: a whole number of MB (MiB), 1 to 4096."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 4):
        raise argparse.ArgumentTypeError(f"give a whole number of MB from 1 to {MAX_CATALOGUE_MB}")
    if not 0 < int(digits) <= MAX_CATALOGUE_MB:
        raise argparse.ArgumentTypeError(f"give a whole number of MB from 1 to {MAX_CATALOGUE_MB}")
    return int(digits)


def _too_large(path: Path, limit_mb: int) -> str | None:
    """A plain refusal when the file is over the size limit (checked before reading it)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the import reports an unreadable file itself
    if size <= limit_mb * MIB:
        return None
    return (
        f"{path}: the file is {size / MIB:,.1f} MB, larger than the import limit of {limit_mb} MB;"
        " nothing was changed. Split the catalogue, or raise the limit with --max-size MB"
        " (or TARJOTIN_CATALOGUE_MAX_MB)."
    )


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    check_catalogue_file(args.file, "tarjotin import")
    limit_mb: int = args.max_size or settings.catalogue_max_mb
    refusal = _too_large(args.file, limit_mb)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return EXIT_INVALID
    try:
        catalogue = load_catalogue(args.file, max_bytes=limit_mb * MIB)
    except InvalidCatalogueError as error:
        count = len(error.problems)
        print(f"{args.file}: {count} problem(s); nothing was changed.", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID

    async def work(app: App) -> int:
        speaker = app.translator.speaker(args.lang or settings.default_language)
        merged = catalogue
        if not await app.catalog_store.is_empty():  # Linked Events records stay (sources.py)
            stored = await app.catalog_store.load(with_added=False)
            merged = keep_source_records(catalogue, stored)
        try:
            summary = await app.catalog_store.apply(
                merged,
                dry_run=args.dry_run,
                max_withdrawn_share=None if args.allow_withdraw else MAX_WITHDRAWN_SHARE,
                overwrite_console=args.overwrite_console,
            )
        except TooManyWithdrawalsError as refused:
            sys.stderr.write(refusal_text(refused.summary, str(args.file), speaker))
            return ExitCode.WITHDRAW_REFUSED
        sys.stdout.write(summary_text(summary, str(args.file), catalogue.timezone, speaker))
        return EXIT_OK

    return await _with_app(settings, work)


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(app: App) -> int:
        catalogue = await ensure_catalogue(app)
        if args.format == "schema-org":
            now = wall_clock(ZoneInfo(catalogue.timezone))()
            changes = await app.catalog_store.occurrence_changes()
            language = args.lang or settings.default_language
            text = schema_org_text(catalogue, changes, now, language)
        else:
            text = export_text(catalogue, args.format)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return EXIT_OK

    return await _with_app(settings, work)


async def _ical(settings: Settings, args: argparse.Namespace) -> int:
    async def work(app: App) -> int:
        catalogue = await ensure_catalogue(app)
        changes = await app.catalog_store.occurrence_changes()
        now = wall_clock(ZoneInfo(catalogue.timezone))()
        language = args.lang or settings.default_language
        try:
            body = write_feed(catalogue, changes, args.network, args.activity, language, now)
        except BadFeedRequestError as error:
            print(f"Nothing written: {error}.", file=sys.stderr)
            return EXIT_USAGE
        args.output.write_bytes(body)
        print(f"Wrote {args.output}", file=sys.stderr)
        return EXIT_OK

    return await _with_app(settings, work)


async def _week(settings: Settings, args: argparse.Namespace) -> int:
    async def work(app: App) -> int:
        catalogue = await ensure_catalogue(app)
        if _unknown_network(catalogue, args.network):
            return EXIT_USAGE
        network = catalogue.network(args.network) if args.network else None
        zone = ZoneInfo(catalogue.timezone)
        monday = week_start(args.date or wall_clock(zone)().date())
        speaker = app.translator.speaker(args.lang or settings.default_language)
        changes = await app.catalog_store.occurrence_changes()
        text = week_programme(catalogue, changes, speaker, monday, network)
        mode = resolve_bidi(args.bidi, sys.stdout)
        sys.stdout.write(for_terminal(text, speaker.right_to_left, mode))
        return EXIT_OK

    return await _with_app(settings, work)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says ``moment`` (``--now``)."""
    return lambda: moment


async def _report(settings: Settings, args: argparse.Namespace) -> int:
    async def work(app: App) -> int:
        catalogue = await ensure_catalogue(app, quiet=True)
        if args.network and catalogue.network(args.network) is None:
            known = ", ".join(n.id for n in catalogue.networks)
            print(f"No network {args.network!r}. Known: {known}", file=sys.stderr)
            return EXIT_USAGE
        zone = ZoneInfo(catalogue.timezone)
        clock = wall_clock(zone) if not args.now else fixed_clock(parse_now(args.now, zone))
        start, end = period(args.start, args.end, clock().date())
        if start > end:
            print("report: --from must not be after --to", file=sys.stderr)
            return EXIT_USAGE
        maker = ReportMaker(app.database.sessions, clock)
        changes = await app.catalog_store.occurrence_changes()
        report = await maker.report(catalogue, changes, args.network, start, end)
        speaker = app.translator.speaker(args.lang)
        texts = rendered(report, catalogue, speaker, args.format, args.section)
        write_out(texts, args.output, sys.stdout.write)
        return EXIT_OK

    return await _with_app(settings, work)


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    check_inbox_settings(settings)
    if not (settings.telegram_enabled or settings.matrix_enabled):
        print("No Telegram or Matrix configured: opening the terminal chat.", file=sys.stderr)
        chat = argparse.Namespace(network=None, lang=None, bidi="auto", serve_http=True)
        return await _chat(settings, chat)

    async def work(app: App) -> int:
        await refuse_demo(app)
        clock = wall_clock(await _zone(app))
        catalogue = await catalogue_at_start(app, clock().date())
        channels: list[Channel] = []  # filled below; invite links read it once they run
        runtime = await build_runtime(
            app, catalogue, clock=clock, bot_name=telegram_bot_name(channels)
        )
        channels += configured_channels(settings, runtime.conversation, runtime.erasures)
        heap.settle()  # the catalogue, its months and the language models live on
        senders = channel_senders(channels) | email_senders(settings)
        skip = [REPLY] if settings.telegram_inbox else []  # each instance sends its replies
        service = build_reminder_service(app, runtime, senders, skip=skip)
        replies = attach_inbox(app, runtime, channels)
        http = build_http_server(app, runtime, channels, [*service.drainers, *replies])
        served: list[Channel] = [http] if http is not None else []  # up first, down last
        services = [service.run, runtime.watcher.run, *(drainer.run for drainer in replies)]
        await run_channels([*served, *channels], services=services)
        return EXIT_OK

    return await _with_app(settings, work)


async def _zone(app: App) -> ZoneInfo:
    """The catalogue's time zone (the stored one; the demo's for an empty database)."""
    return ZoneInfo((await ensure_catalogue(app, quiet=True)).timezone)


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    if settings.log_level == "INFO":  # the console is the conversation: only warnings besides
        logging.getLogger().setLevel(logging.WARNING)

    async def work(app: App) -> int:
        clock = wall_clock(await _zone(app))
        catalogue = await catalogue_at_start(app, clock().date())
        if _unknown_network(catalogue, args.network):
            return EXIT_USAGE
        runtime = await build_runtime(app, catalogue, clock=clock, fallback_chat=COORDINATOR)
        bidi = resolve_bidi(args.bidi, sys.stdout)
        sender = TerminalSender(print, bidi)
        service = build_reminder_service(app, runtime, terminal_senders(sender))
        chat = TerminalChat(runtime.conversation, print, bidi)
        http = None
        if getattr(args, "serve_http", False):  # `tarjotin run` without channels
            http = build_http_server(app, runtime, [], service.drainers)
        stop = asyncio.Event()
        background = [
            asyncio.create_task(service.run(stop)),
            asyncio.create_task(runtime.watcher.run(stop)),
        ]
        try:
            if http is not None:
                try:
                    await http.start()
                except OperatorError as error:  # trying the bot must not need a free port
                    log.warning("%s The chat works without it.", error.paragraph)
                    http = None
            await chat.begin(args.network, args.lang)
            lines = line_reader(sys.stdin, asyncio.get_running_loop())
            await run_chat(chat, lines, prompt_on(sys.stdin))
        finally:
            stop.set()
            await asyncio.gather(*background, return_exceptions=True)
            if http is not None:
                await http.stop()
        return EXIT_OK

    return await _with_app(settings, work)


async def _ask(settings: Settings, args: argparse.Namespace) -> int:
    if (args.batch is None) == (args.text is None):
        print("ask: give either a question or --batch FILE", file=sys.stderr)
        return EXIT_USAGE
    given: Catalogue | None = None
    if args.catalog is not None:
        check_catalogue_file(args.catalog, "--catalog")
        try:
            given = load_catalogue(args.catalog)
        except InvalidCatalogueError as error:
            for problem in error.problems:
                print(f"{args.catalog}: {problem}", file=sys.stderr)
            return EXIT_INVALID
        temporary = {"database_url": SecretStr(temporary_database_url())}
        settings = settings.model_copy(update=temporary)

    async def work(app: App) -> int:
        if given is not None:  # parsed once above; stored in the private in-memory database
            await app.catalog_store.apply(given)
        catalogue = await ensure_catalogue(app)
        if _unknown_network(catalogue, args.network):
            return EXIT_USAGE
        assistant = build_assistant(
            catalogue,
            await app.catalog_store.occurrence_changes(),
            translator=app.translator,
            default_language=settings.default_language,
        )
        if args.batch is not None:
            try:
                rows = list(read_batch(args.batch.read_text("utf-8")))
            except (OSError, ValueError) as error:
                print(f"{args.batch}: {error}", file=sys.stderr)
                return EXIT_INVALID
            for result in answer_rows(assistant, rows):
                sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            return EXIT_OK
        answer = assistant.answer(
            args.text,
            now=parse_now(args.now, assistant.matcher.zone),
            network_id=args.network,
            saved_language=args.lang,
        )
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        else:
            rtl = app.translator.speaker(answer.reply.language).right_to_left
            print(for_terminal(answer.reply.text, rtl, resolve_bidi("auto", sys.stdout)))
        return EXIT_OK

    return await _with_app(settings, work)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tarjotin`` console script."""
    # python-telegram-bot 22 reports durations as timedeltas only when asked to.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:  # Ctrl-C: leave quietly, as the shell expects
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # every failure is one paragraph; --debug adds the traceback
        failure = explain(error) or unexpected(error)
        if args.debug:
            traceback.print_exception(error, file=sys.stderr)
        print(failure.paragraph, file=sys.stderr)
        return int(failure.code)


def _dispatch(args: argparse.Namespace) -> int:
    """Read and check the settings, then run the command."""
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        raise OperatorError(ExitCode.INVALID_SETTING, str(error)) from None
    configure_logging(settings.log_level, settings.log_format, settings.data_dir)
    check_settings(settings)
    handler: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]] = args.handler
    return int(asyncio.run(handler(settings, args)))


if __name__ == "__main__":
    raise SystemExit(main())
