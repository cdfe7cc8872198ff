"""The ``tarjotin`` command: import, export, the week's programme, and running the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.bootstrap import App, build_app, ensure_catalogue
from bot.config import ConfigError, Settings, load_settings
from bot.terminal import for_terminal
from catalog.export import export_text
from catalog.parse import CatalogueInvalid, load_catalogue
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.programme import week_programme, week_start

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tarjotin",
        description="Tarjotin: a municipality's integration activities in chat, in 14 languages.",
    )
    parser.add_argument(
        "--config", type=Path, help="a file of TARJOTIN_*=value lines (environment wins)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot on every configured channel")
    run.set_defaults(handler=_run)

    importer = commands.add_parser("import", help="import a tarjotin/1 catalogue (YAML or JSON)")
    importer.add_argument("file", type=Path)
    importer.set_defaults(handler=_import)

    exporter = commands.add_parser("export", help="export the catalogue in the tarjotin/1 format")
    exporter.add_argument("--format", choices=("yaml", "json"), default="yaml")
    exporter.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    exporter.set_defaults(handler=_export)

    week = commands.add_parser("week", help="print a week's programme")
    week.add_argument("--network", help="network id (default: every network)")
    week.add_argument("--lang", default=None, choices=SUPPORTED_LANGUAGES, metavar="CODE")
    week.add_argument("--date", type=date.fromisoformat, help="any day of the week, YYYY-MM-DD")
    week.add_argument("--bidi", choices=("visual", "logical"), default="visual")
    week.set_defaults(handler=_week)
    return parser


async def _with_app(settings: Settings, work: Callable[[App], Awaitable[int]]) -> int:
    app = await build_app(settings)
    try:
        return await work(app)
    finally:
        await app.close()


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        catalogue = load_catalogue(args.file)
    except CatalogueInvalid as error:
        print(f"{args.file}: {len(error.problems)} problem(s); nothing was changed.", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID

    async def work(app: App) -> int:
        summary = await app.catalog_store.apply(catalogue)
        print(f"Imported {args.file}: {summary}")
        return EXIT_OK

    return await _with_app(settings, work)


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(app: App) -> int:
        text = export_text(await ensure_catalogue(app), args.format)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return EXIT_OK

    return await _with_app(settings, work)


async def _week(settings: Settings, args: argparse.Namespace) -> int:
    async def work(app: App) -> int:
        catalogue = await ensure_catalogue(app)
        network = None
        if args.network:
            network = catalogue.network(args.network)
            if network is None:
                known = ", ".join(n.id for n in catalogue.networks)
                print(f"No network {args.network!r}. Known: {known}", file=sys.stderr)
                return EXIT_USAGE
        zone = ZoneInfo(catalogue.timezone)
        monday = week_start(args.date or datetime.now(zone).date())
        speaker = app.translator.speaker(args.lang or settings.default_language)
        changes = await app.catalog_store.occurrence_changes()
        text = week_programme(catalogue, changes, speaker, monday, network)
        sys.stdout.write(for_terminal(text, speaker.right_to_left, args.bidi))
        return EXIT_OK

    return await _with_app(settings, work)


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    async def work(app: App) -> int:
        catalogue = await ensure_catalogue(app)
        monday = week_start(datetime.now(ZoneInfo(catalogue.timezone)).date())
        speaker = app.translator.speaker(settings.default_language)
        changes = await app.catalog_store.occurrence_changes()
        text = week_programme(catalogue, changes, speaker, monday, None)
        sys.stdout.write(for_terminal(text, speaker.right_to_left))
        return EXIT_OK

    return await _with_app(settings, work)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tarjotin`` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    handler: Callable[[Settings, argparse.Namespace], Awaitable[int]] = args.handler
    return asyncio.run(handler(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
