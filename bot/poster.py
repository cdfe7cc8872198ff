"""``tarjotin poster ACTIVITY_ID [--lang CODE]``: a deep link and a QR code to print.

A coordinator pins the poster on a library notice board; scanning the code opens the bot on
that activity, in the reader's language (after a short onboarding for a new user). The command
prints ``https://t.me/<bot>?start=a-<activity id>`` and writes ``poster-<id>-<lang>.svg`` (vector,
for print: any script, laid out by the viewer's fonts) and ``.png`` (a raster with the title
drawn in a system font) with the activity's title under the code.

The bot's username comes from ``--bot`` when given, else from Telegram's ``getMe`` with the
configured token (and API URL); with neither, the command says what to set.
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

from bot.bootstrap import ensure_catalogue
from bot.config import Settings
from bot.startup_checks import open_app
from catalog.model import Catalogue
from catalog.vocabulary import RIGHT_TO_LEFT, SUPPORTED_LANGUAGES
from handlers.core.formatting import localised
from handlers.core.i18n import Translator
from handlers.newcomers.onboarding import ACTIVITY_LINK

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont, ImageFont

EXIT_OK = 0
EXIT_USAGE = 2

#: Telegram's rule for a ``start`` payload.
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")

#: Pixels per QR module in the PNG (about 8 cm wide at 300 dpi); the SVG uses the same units.
MODULE = 20
QUIET_ZONE = 4
TITLE_WIDTH = 26

#: Fonts tried for the PNG's title, in order (CJK fonts first for Chinese).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
SVG_FONTS = "DejaVu Sans, Noto Sans, Noto Sans CJK SC, Arial, sans-serif"


class PosterError(Exception):
    """The poster cannot be made; the message says why and what to do."""


def deep_link(bot_username: str, activity_id: str) -> str:
    """``https://t.me/<bot>?start=a-<activity id>``: opens the bot on that activity."""
    username = bot_username.removeprefix("@")
    if not _USERNAME.fullmatch(username):
        raise PosterError(f"{bot_username!r} is not a Telegram bot username")
    payload = ACTIVITY_LINK + activity_id
    if not _PAYLOAD.fullmatch(payload):
        raise PosterError(f"activity id {activity_id!r} cannot be put in a Telegram link")
    return f"https://t.me/{username}?start={payload}"


def title_lines(title: str, width: int = TITLE_WIDTH) -> list[str]:
    """The title wrapped for the poster (words kept whole unless one is longer than a line)."""
    return textwrap.wrap(title, width) or [title]


def qr_matrix(link: str) -> list[list[bool]]:
    """The QR code of ``link`` as rows of dark (``True``) and light modules, no quiet zone."""
    import segno

    code = segno.make_qr(link, error="m")
    return [[bool(module) for module in row] for row in code.matrix]


@dataclass(frozen=True)
class Layout:
    """Where everything sits, in pixels (PNG) or user units (SVG)."""

    size: int
    width: int
    height: int
    title_size: int
    link_size: int
    text_top: int

    @classmethod
    def of(cls, modules: int, lines: int) -> Layout:
        """The layout of a code of ``modules`` modules with ``lines`` title lines below it."""
        size = (modules + 2 * QUIET_ZONE) * MODULE
        title_size = max(18, size // 14)
        link_size = max(12, title_size // 2)
        height = size + lines * int(title_size * 1.3) + int(link_size * 2.2) + QUIET_ZONE * MODULE
        return cls(size, size, height, title_size, link_size, size - QUIET_ZONE * MODULE // 2)


def poster_svg(matrix: Sequence[Sequence[bool]], lines: Sequence[str], link: str,
               language: str) -> str:  # fmt: skip
    """The poster as SVG: crisp modules, the title as real text in the reader's script."""
    layout = Layout.of(len(matrix), len(lines))
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            run = x
            while run < len(row) and row[run]:
                run += 1
            left, top = (x + QUIET_ZONE) * MODULE, (y + QUIET_ZONE) * MODULE
            path.append(f"M{left} {top}h{(run - x) * MODULE}v{MODULE}h-{(run - x) * MODULE}z")
            x = run
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    middle = layout.width // 2
    texts = []
    baseline = layout.text_top
    for line in lines:
        baseline += int(layout.title_size * 1.3)
        texts.append(
            f'<text x="{middle}" y="{baseline}" font-size="{layout.title_size}" '
            f'font-weight="bold" direction="{direction}">{xml_escape(line)}</text>'
        )
    baseline += int(layout.link_size * 1.8)
    texts.append(
        f'<text x="{middle}" y="{baseline}" font-size="{layout.link_size}" '
        f'direction="ltr" xml:lang="en">{xml_escape(link)}</text>'
    )
    return "\n".join(
        (
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}" '
            f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
            f'xml:lang="{xml_escape(language)}">',
            f"<title>{xml_escape(' '.join(lines))}</title>",
            '<rect width="100%" height="100%" fill="#fff"/>',
            f'<path fill="#000" shape-rendering="crispEdges" d="{"".join(path)}"/>',
            f'<g fill="#000" font-family="{SVG_FONTS}" text-anchor="middle">',
            *texts,
            "</g>",
            "</svg>",
            "",
        )
    )


def find_font(language: str, explicit: Path | None = None) -> Path | None:
    """The font for the PNG's title: ``explicit``, else the first system font found."""
    if explicit is not None:
        if not explicit.is_file():
            raise PosterError(f"no font file {explicit}")
        return explicit
    candidates = (*CJK_FONT_CANDIDATES, *FONT_CANDIDATES) if language == "zh" else FONT_CANDIDATES
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


def poster_png(matrix: Sequence[Sequence[bool]], lines: Sequence[str], link: str,
               language: str, font_path: Path | None) -> bytes:  # fmt: skip
    """The poster as PNG; right-to-left titles are shaped when Pillow has libraqm."""
    from PIL import Image, ImageDraw, features

    layout = Layout.of(len(matrix), len(lines))
    image = Image.new("L", (layout.width, layout.height), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + QUIET_ZONE) * MODULE, (y + QUIET_ZONE) * MODULE
                draw.rectangle((left, top, left + MODULE - 1, top + MODULE - 1), fill=0)
    rtl = language in RIGHT_TO_LEFT
    shaped = features.check("raqm")
    margin = QUIET_ZONE * MODULE
    title_font = _fitting_font(draw, lines, font_path, layout.title_size, layout.width - margin)
    middle = layout.width // 2
    baseline = layout.text_top
    for line in lines:
        baseline += int(layout.title_size * 1.3)
        options: dict[str, Any] = {}
        if rtl and shaped:
            options = {"direction": "rtl", "language": language}
        shown = line if shaped or not rtl else _visual(line)
        draw.text((middle, baseline), shown, fill=0, font=title_font, anchor="ms", **options)
    baseline += int(layout.link_size * 1.8)
    link_font = _fitting_font(draw, [link], font_path, layout.link_size, layout.width - margin)
    draw.text((middle, baseline), link, fill=0, font=link_font, anchor="ms")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _font(path: Path | None, size: int) -> FreeTypeFont | ImageFont:
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


def _fitting_font(draw: Any, lines: Sequence[str], path: Path | None, size: int,
                  width: int) -> FreeTypeFont | ImageFont:  # fmt: skip
    """The largest font up to ``size`` in which every line fits ``width``."""
    while True:
        font = _font(path, size)
        widest = max(draw.textlength(line, font=font) for line in lines)
        if widest <= width or size <= 10:
            return font
        size = max(10, int(size * width / widest))


def _visual(line: str) -> str:
    """Right-to-left text in visual order, for Pillow builds without libraqm."""
    from bidi import get_display

    return str(get_display(line))


# --- the command ------------------------------------------------------------------------------


async def bot_username(settings: Settings, explicit: str | None) -> str:
    """The bot's username: ``explicit``, else asked from Telegram with the configured token."""
    if explicit:
        return explicit.removeprefix("@")
    if settings.telegram_token is None:
        raise PosterError(
            "the bot's username is unknown: pass --bot USERNAME or set TARJOTIN_TELEGRAM_TOKEN"
        )
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.telegram.channel import api_root

    root = api_root(settings.telegram_api_url or "https://api.telegram.org")
    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
    )
    try:
        async with bot:
            return bot.username
    except TelegramError as error:
        raise PosterError(f"could not ask Telegram for the bot's username: {error}") from None


@dataclass(frozen=True)
class Poster:
    """What ``tarjotin poster`` made."""

    link: str
    svg: Path
    png: Path


def make_poster(
    catalogue: Catalogue,
    activity_id: str,
    language: str,
    username: str,
    output: Path,
    *,
    translator: Translator | None = None,
    font: Path | None = None,
) -> Poster:
    """Write the SVG and PNG posters of an activity into ``output``; give the link and paths."""
    activity = catalogue.activity(activity_id)
    if activity is None:
        known = [a.id for a in catalogue.activities]
        close = difflib.get_close_matches(activity_id, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise PosterError(f"no activity {activity_id!r} in the catalogue.{hint}")
    speaker = (translator or Translator()).speaker(language)
    link = deep_link(username, activity.id)
    lines = title_lines(localised(activity.title, speaker) or activity.id)
    matrix = qr_matrix(link)
    output.mkdir(parents=True, exist_ok=True)
    stem = output / f"poster-{activity.id}-{speaker.language}"
    svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
    svg.write_text(poster_svg(matrix, lines, link, speaker.language), encoding="utf-8")
    png.write_bytes(poster_png(matrix, lines, link, speaker.language, find_font(language, font)))
    return Poster(link, svg, png)


async def run_poster(settings: Settings, args: argparse.Namespace) -> int:
    """The ``poster`` command: print the link, write the posters."""
    language = args.lang or settings.default_language
    app = await open_app(settings)
    try:
        catalogue = await ensure_catalogue(app)
        username = await bot_username(settings, args.bot)
        poster = make_poster(
            catalogue, args.activity, language, username, args.output,
            translator=app.translator, font=args.font,
        )  # fmt: skip
    except PosterError as error:
        print(f"poster: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        await app.close()
    print(poster.link)
    print(f"Wrote {poster.svg} and {poster.png}", file=sys.stderr)
    return EXIT_OK


def add_poster_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``poster`` to the ``tarjotin`` command's subparsers."""
    poster = commands.add_parser(
        "poster", help="print an activity's Telegram link and write a QR code poster"
    )
    poster.add_argument("activity", metavar="ACTIVITY_ID")
    poster.add_argument(
        "--lang", choices=SUPPORTED_LANGUAGES, metavar="CODE",
        help="language of the title (default: TARJOTIN_DEFAULT_LANGUAGE)",
    )  # fmt: skip
    poster.add_argument(
        "--bot", metavar="USERNAME",
        help="the bot's username (default: asked from Telegram with the configured token)",
    )  # fmt: skip
    poster.add_argument(
        "-o", "--output", type=Path, default=Path("."),
        help="folder for the SVG and PNG files (default: the current one)",
    )  # fmt: skip
    poster.add_argument("--font", type=Path, help="a TrueType font for the PNG's title")
    poster.set_defaults(handler=run_poster)
