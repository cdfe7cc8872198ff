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
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from bot.bootstrap import ensure_catalogue, wall_clock
from bot.config import Settings
from bot.startup_checks import open_app
from catalog.model import Activity, Catalogue, OccurrenceChange
from catalog.occurrences.expand import activity_occurrences
from catalog.texts import pick_text
from catalog.vocabulary import RIGHT_TO_LEFT, SUPPORTED_LANGUAGES
from handlers.core.formatting import day_heading, localised, place_line, time_range
from handlers.core.i18n import Speaker, Translator
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
class Details:
    """What a poster says besides its title: the Finnish title beside it, sessions, place, price.

    ``finnish`` is empty when the poster is in Finnish already (one title, full width).
    """

    finnish: Sequence[str] = ()
    info: Sequence[str] = ()


@dataclass(frozen=True)
class Layout:
    """Where everything sits, in pixels (PNG) or user units (SVG)."""

    size: int
    width: int
    height: int
    title_size: int
    link_size: int
    text_top: int
    info_size: int = 0
    columns: int = 1

    @classmethod
    def of(cls, modules: int, lines: int, info: int = 0, columns: int = 1) -> Layout:
        """A code of ``modules`` modules; ``lines`` title lines (per column) and ``info`` lines."""
        size = (modules + 2 * QUIET_ZONE) * MODULE
        title_size = max(18, size // (14 if columns == 1 else 22))
        link_size = max(12, size // 28)
        info_size = max(14, size // 24)
        height = (
            size + lines * int(title_size * 1.3) + info * int(info_size * 1.5)
            + int(link_size * 2.2) + QUIET_ZONE * MODULE
        )  # fmt: skip
        top = size - QUIET_ZONE * MODULE // 2
        return cls(size, size, height, title_size, link_size, top, info_size, columns)


@dataclass(frozen=True)
class Placed:
    """One line of text on the poster: where, how large, in which direction and language."""

    text: str
    x: int
    y: int
    size: int
    width: int
    bold: bool
    language: str


def placed_lines(layout: Layout, lines: Sequence[str], details: Details, link: str,
                 language: str) -> list[Placed]:  # fmt: skip
    """Every line of text with its position, shared by the SVG and the PNG."""
    margin = QUIET_ZONE * MODULE
    found: list[Placed] = []
    step = int(layout.title_size * 1.3)
    if details.finnish:  # the Finnish title on the left, the reader's on the right
        column = (layout.width - margin) // 2
        for text, x, lang in (
            (lines, layout.width * 3 // 4, language), (details.finnish, layout.width // 4, "fi")
        ):
            baseline = layout.text_top
            for line in text:
                baseline += step
                found.append(Placed(line, x, baseline, layout.title_size, column, True, lang))
        baseline = layout.text_top + step * max(len(lines), len(details.finnish))
    else:
        baseline = layout.text_top
        for line in lines:
            baseline += step
            found.append(Placed(line, layout.width // 2, baseline, layout.title_size,
                                layout.width - margin, True, language))  # fmt: skip
    for line in details.info:
        baseline += int(layout.info_size * 1.5)
        found.append(Placed(line, layout.width // 2, baseline, layout.info_size,
                            layout.width - margin, False, language))  # fmt: skip
    baseline += int(layout.link_size * 1.8)
    found.append(Placed(link, layout.width // 2, baseline, layout.link_size,
                        layout.width - margin, False, "en"))  # fmt: skip
    return found


def _layout(matrix: Sequence[Sequence[bool]], lines: Sequence[str], details: Details) -> Layout:
    rows = max(len(lines), len(details.finnish))
    return Layout.of(len(matrix), rows, len(details.info), 2 if details.finnish else 1)


def poster_svg(matrix: Sequence[Sequence[bool]], lines: Sequence[str], link: str,
               language: str, details: Details = Details()) -> str:  # fmt: skip
    """The poster as SVG: crisp modules, the texts as real text in the reader's script."""
    layout = _layout(matrix, lines, details)
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
    texts = []
    for item in placed_lines(layout, lines, details, link, language):
        rtl = item.language in RIGHT_TO_LEFT and item.text != link
        weight = ' font-weight="bold"' if item.bold else ""
        lang = "" if item.language == language else f' xml:lang="{xml_escape(item.language)}"'
        texts.append(
            f'<text x="{item.x}" y="{item.y}" font-size="{item.size}"{weight}{lang} '
            f'direction="{"rtl" if rtl else "ltr"}">{xml_escape(item.text)}</text>'
        )
    title = " ".join(lines)
    return "\n".join(
        (
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}" '
            f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
            f'xml:lang="{xml_escape(language)}">',
            f"<title>{xml_escape(title)}</title>",
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
               language: str, font_path: Path | None,
               details: Details = Details()) -> bytes:  # fmt: skip
    """The poster as PNG; right-to-left lines are shaped when Pillow has libraqm."""
    buffer = io.BytesIO()
    poster_image(matrix, lines, link, language, font_path, details).save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()


def poster_image(matrix: Sequence[Sequence[bool]], lines: Sequence[str], link: str,
                 language: str, font_path: Path | None, details: Details = Details()) -> Any:
    """The poster drawn as a greyscale Pillow image."""  # fmt: skip
    from PIL import Image, ImageDraw, features

    layout = _layout(matrix, lines, details)
    image = Image.new("L", (layout.width, layout.height), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + QUIET_ZONE) * MODULE, (y + QUIET_ZONE) * MODULE
                draw.rectangle((left, top, left + MODULE - 1, top + MODULE - 1), fill=0)
    shaped = features.check("raqm")
    for item in placed_lines(layout, lines, details, link, language):
        text = drawable(item.text)
        rtl = item.language in RIGHT_TO_LEFT
        options: dict[str, Any] = {}
        if rtl and shaped:
            options = {"direction": "rtl", "language": item.language}
        shown = text if shaped or not rtl else _visual(text)
        path = font_path if item.bold or font_path is None else _regular(font_path)
        font = _fitting_font(draw, [shown], path, item.size, item.width)
        draw.text((item.x, item.y), shown, fill=0, font=font, anchor="ms", **options)
    return image


#: A4 at 150 dots per inch, in pixels, and the margin around the poster on it.
A4 = (1240, 1754)
A4_DPI = 150
A4_MARGIN = 90


def poster_pdf(image: Any) -> bytes:
    """The poster on an A4 page (PDF), scaled to fit with a margin, the code kept crisp."""
    from PIL import Image

    page = Image.new("L", A4, 255)
    room = (A4[0] - 2 * A4_MARGIN, A4[1] - 2 * A4_MARGIN)
    scale = min(room[0] / image.width, room[1] / image.height)
    size = (int(image.width * scale), int(image.height * scale))
    resample = Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.LANCZOS
    page.paste(image.resize(size, resample), ((A4[0] - size[0]) // 2, A4_MARGIN))
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=A4_DPI)
    return buffer.getvalue()


def drawable(text: str) -> str:
    """The text without invisible format characters (bidi isolates) a raster font may lack."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _regular(path: Path) -> Path:
    """The regular face next to a bold one (``DejaVuSans-Bold.ttf`` -> ``DejaVuSans.ttf``)."""
    for bold, regular in (("-Bold", ""), ("-Bold", "-Regular")):
        candidate = path.with_name(path.name.replace(bold, regular))
        if candidate != path and candidate.is_file():
            return candidate
    return path


def missing_glyphs(text: str, font_path: Path, size: int = 32) -> list[str]:
    """Characters of ``text`` that the font would draw as its missing-glyph box (.notdef).

    A character's mask is compared with that of a code point no font has (U+10FFFD).
    """
    from PIL import ImageFont

    font = ImageFont.truetype(str(font_path), size)

    def shape(ch: str) -> tuple[tuple[int, int], bytes]:
        mask = font.getmask(ch)
        return mask.size, bytes(mask)

    box = shape("\U0010fffd")
    return sorted(
        {ch for ch in drawable(text) if not ch.isspace() and shape(ch) == box}
    )


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
    pdf: Path


#: Sessions a poster lists, found within this many days.
POSTER_SESSIONS = 3
POSTER_DAYS = 60


def session_lines(catalogue: Catalogue, activity: Activity, speaker: Speaker, now: datetime,
                  changes: Iterable[OccurrenceChange] = ()) -> list[str]:  # fmt: skip
    """The next sessions (not cancelled), weekday, date and time in the poster's language."""
    zone = ZoneInfo(catalogue.timezone)
    local_now = now.astimezone(zone)
    keyed = {(c.activity, c.original_start): c for c in changes if c.activity == activity.id}
    found = activity_occurrences(
        activity, zone, local_now.date(), local_now.date() + timedelta(days=POSTER_DAYS), keyed
    )
    upcoming = [o for o in found if not o.cancelled and o.end > local_now][:POSTER_SESSIONS]
    return [
        f"{day_heading(o.start.date(), speaker)} {time_range(o.start, o.end, speaker)}"
        for o in upcoming
    ]


def poster_details(catalogue: Catalogue, activity: Activity, speaker: Speaker,
                   now: datetime | None,
                   changes: Iterable[OccurrenceChange] = ()) -> Details:  # fmt: skip
    """The Finnish title (beside another language's), next sessions, place and price."""
    finnish: list[str] = []
    if speaker.language not in ("fi", "fi-x-plain"):
        shown = pick_text(activity.title, "fi")
        if shown is not None and shown.text != localised(activity.title, speaker):
            finnish = title_lines(shown.text, TITLE_WIDTH // 2)
    info = session_lines(catalogue, activity, speaker, now, changes) if now else []
    place = place_line(catalogue, activity.place, speaker)
    if place:
        info.append(place)
    cost = localised(activity.cost, speaker) if activity.cost else speaker.gettext("Free")
    info.append(cost)
    return Details(finnish, [line for text in info for line in title_lines(text, 44)])


def make_poster(
    catalogue: Catalogue,
    activity_id: str,
    language: str,
    username: str,
    output: Path,
    *,
    translator: Translator | None = None,
    font: Path | None = None,
    now: datetime | None = None,
    changes: Iterable[OccurrenceChange] = (),
) -> Poster:
    """Write the SVG, PNG and A4 PDF posters of an activity into ``output``.

    ``now`` (aware) lets the poster list the next sessions; without it they are left out.
    """
    activity = catalogue.activity(activity_id)
    if activity is None:
        known = [a.id for a in catalogue.activities]
        close = difflib.get_close_matches(activity_id, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise PosterError(f"no activity {activity_id!r} in the catalogue.{hint}")
    speaker = (translator or Translator()).speaker(language)
    link = deep_link(username, activity.id)
    details = poster_details(catalogue, activity, speaker, now, changes)
    width = TITLE_WIDTH // 2 if details.finnish else TITLE_WIDTH
    lines = title_lines(localised(activity.title, speaker) or activity.id, width)
    matrix = qr_matrix(link)
    output.mkdir(parents=True, exist_ok=True)
    stem = output / f"poster-{activity.id}-{speaker.language}"
    svg, png, pdf = stem.with_suffix(".svg"), stem.with_suffix(".png"), stem.with_suffix(".pdf")
    svg.write_text(poster_svg(matrix, lines, link, speaker.language, details), encoding="utf-8")
    image = poster_image(matrix, lines, link, speaker.language, find_font(language, font), details)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    png.write_bytes(buffer.getvalue())
    pdf.write_bytes(poster_pdf(image))
    return Poster(link, svg, png, pdf)


async def run_poster(settings: Settings, args: argparse.Namespace) -> int:
    """The ``poster`` command: print the link, write the posters."""
    language = args.lang or settings.default_language
    app = await open_app(settings)
    try:
        catalogue = await ensure_catalogue(app)
        username = await bot_username(settings, args.bot)
        changes = await app.catalog_store.occurrence_changes()
        poster = make_poster(
            catalogue, args.activity, language, username, args.output,
            translator=app.translator, font=args.font,
            now=wall_clock(ZoneInfo(catalogue.timezone))(), changes=changes,
        )  # fmt: skip
    except PosterError as error:
        print(f"poster: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        await app.close()
    print(poster.link)
    print(f"Wrote {poster.svg}, {poster.png} and {poster.pdf}", file=sys.stderr)
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
        help="folder for the SVG, PNG and PDF files (default: the current one)",
    )  # fmt: skip
    poster.add_argument("--font", type=Path, help="a TrueType font for the PNG and PDF")
    poster.set_defaults(handler=run_poster)
