"""``tarjotin poster``: the deep link, the SVG and PNG posters, and the command itself."""

from __future__ import annotations

import argparse
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pydantic import SecretStr

from bot.config import Settings
from bot.poster import (
    MODULE,
    QUIET_ZONE,
    PosterError,
    add_poster_command,
    deep_link,
    find_font,
    make_poster,
    missing_glyphs,
    poster_png,
    poster_svg,
    qr_matrix,
    session_lines,
    title_lines,
)
from catalog.model import Catalogue, OccurrenceChange
from catalog.occurrences.expand import activity_occurrences
from catalog.vocabulary import SUPPORTED_LANGUAGES
from handlers.core.formatting import clock, day_heading, localised, place_line
from handlers.core.i18n import Translator
from tests.telegram_server.fixtures import FakeTelegramFactory

SVG = "{http://www.w3.org/2000/svg}"


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="tarjotin")
    add_poster_command(main.add_subparsers(dest="command"))
    return main


def test_the_link_opens_the_bot_on_the_activity() -> None:
    link = deep_link("@tarjotin_bot", "louhela-kielikahvila")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", "/tarjotin_bot")
    assert parse_qs(parts.query) == {"start": ["a-louhela-kielikahvila"]}


@pytest.mark.parametrize(
    ("username", "activity"),
    [("no", "x"), ("has space", "x"), ("tarjotin_bot", "ä-ryhmä"), ("tarjotin_bot", "x" * 63)],
)
def test_links_telegram_would_refuse_are_refused(username: str, activity: str) -> None:
    with pytest.raises(PosterError):
        deep_link(username, activity)


def test_long_titles_wrap_and_short_ones_stay() -> None:
    assert title_lines("Kielikahvila") == ["Kielikahvila"]
    lines = title_lines("Our Shared Municipality – Kirkkonummi and Kauniainen integration network")
    assert len(lines) > 1
    assert " ".join(lines) == (
        "Our Shared Municipality – Kirkkonummi and Kauniainen integration network"
    )


def test_svg_is_valid_xml_with_the_title_as_escaped_text() -> None:
    link = "https://t.me/tarjotin_bot?start=a-x"
    svg = poster_svg(qr_matrix(link), ["Kerho <&> “Tervetuloa”"], link, "fi")
    root = ET.fromstring(svg.encode("utf-8"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Kerho <&> “Tervetuloa”", link]
    assert root.find(f"{SVG}path") is not None


def test_right_to_left_titles_are_marked_rtl_in_the_svg() -> None:
    link = "https://t.me/tarjotin_bot?start=a-x"
    root = ET.fromstring(poster_svg(qr_matrix(link), ["نادي اللغة"], link, "ar").encode())
    [title, shown_link] = list(root.iter(f"{SVG}text"))
    assert title.get("direction") == "rtl"
    assert shown_link.get("direction") == "ltr"


def test_png_draws_the_code_module_for_module() -> None:
    link = "https://t.me/tarjotin_bot?start=a-louhela-kielikahvila"
    matrix = qr_matrix(link)
    image = Image.open(io.BytesIO(poster_png(matrix, ["Kielikahvila"], link, "fi", None)))
    assert image.format == "PNG"
    size = (len(matrix) + 2 * QUIET_ZONE) * MODULE
    assert image.width == size
    assert image.height > size  # the title sits under the code
    grey = image.convert("L")
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            left, top = (x + QUIET_ZONE) * MODULE, (y + QUIET_ZONE) * MODULE
            centre = (left + MODULE // 2, top + MODULE // 2)
            assert (grey.getpixel(centre) == 0) == dark
    title_band = grey.crop((0, size, size, image.height))
    assert title_band.getextrema()[0] == 0  # something (the title) is drawn there


NOW = datetime(2026, 10, 5, 9, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


def test_make_poster_writes_svg_png_and_an_a4_pdf_with_sessions_place_and_price(
    demo: Catalogue, tmp_path: Path
) -> None:
    poster = make_poster(demo, "somali-hooyo", "so", "tarjotin_bot", tmp_path, now=NOW)
    assert poster.link == "https://t.me/tarjotin_bot?start=a-somali-hooyo"
    assert (poster.svg.name, poster.png.name, poster.pdf.name) == (
        "poster-somali-hooyo-so.svg", "poster-somali-hooyo-so.png", "poster-somali-hooyo-so.pdf",
    )  # fmt: skip
    activity = demo.activity("somali-hooyo")
    assert activity is not None
    speaker = Translator().speaker("so")
    texts = [t.text or "" for t in ET.fromstring(poster.svg.read_bytes()).iter(f"{SVG}text")]
    shown = " ".join(texts)
    assert localised(activity.title, speaker) in shown
    assert dict(activity.title)["fi"] in shown  # the Finnish title beside the Somali one
    sessions = session_lines(demo, activity, speaker, NOW)
    assert sessions
    first = next(o for o in activity_occurrences(
        activity, NOW.tzinfo, NOW.date(), NOW.date() + timedelta(days=60), {}) if o.end > NOW)  # type: ignore[arg-type]  # fmt: skip
    assert sessions[0].startswith(day_heading(first.start.date(), speaker))
    assert clock(first.start, speaker) in sessions[0]
    assert all(line in texts for line in sessions)
    place = place_line(demo, activity.place, speaker)
    assert place is not None
    assert place in shown
    price = localised(activity.cost, speaker) if activity.cost else speaker.gettext("Free")
    assert price in texts
    assert price in texts
    with Image.open(poster.png) as image:
        assert image.format == "PNG"
    pdf = poster.pdf.read_bytes()
    assert pdf.startswith(b"%PDF-")
    box = re.search(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]", pdf)
    assert box is not None
    width_mm, height_mm = (float(points) / 72 * 25.4 for points in box.groups())
    assert (round(width_mm), round(height_mm)) == (210, 297)  # A4


def test_a_cancelled_session_is_not_on_the_poster(demo: Catalogue) -> None:
    activity = demo.activity("somali-hooyo")
    assert activity is not None
    speaker = Translator().speaker("fi")
    before = session_lines(demo, activity, speaker, NOW)
    first = next(o for o in activity_occurrences(
        activity, NOW.tzinfo, NOW.date(), NOW.date() + timedelta(days=60), {}) if o.end > NOW)  # type: ignore[arg-type]  # fmt: skip
    change = OccurrenceChange(activity.id, first.original_start, cancelled=True)
    after = session_lines(demo, activity, speaker, NOW, [change])
    assert after[0] != before[0]
    assert after[:-1] == before[1:] or after[0] == before[1]


# Each language's sample: what a poster in it prints (weekdays, "Free", a title).
SAMPLES = {
    "fi": "Äitien ja lasten kerho — maanantai, tiistai, lauantai",
    "fi-x-plain": "Kerho äideille ja lapsille, ilmainen",
    "sv": "Språkcafé för alla — måndag, lördag, avgiftsfri",
    "en": "Language café — Monday, Saturday, free",
    "ru": "Языковое кафе — понедельник, суббота, бесплатно",
    "uk": "Мовне кафе — понеділок, субота, безкоштовно, ґ є ї",
    "et": "Keelekohvik — esmaspäev, laupäev, tasuta, õ ä ö ü š ž",
    "ar": "مقهى اللغة — الاثنين، السبت، مجاني",
    "fa": "کافه زبان — دوشنبه، شنبه، رایگان، پ چ ژ گ ی",
    "so": "Kulanka hooyooyinka iyo carruurta — Isniin, Sabti, bilaash",
    "tr": "Dil kafesi — pazartesi, cumartesi, ücretsiz, ğ ı ş İ",
    "zh": "语言咖啡馆 — 星期一、星期六、免费",
    "es": "Café de idiomas — lunes, sábado, gratis, ñ ¿ ¡",
    "fr": "Café des langues — lundi, samedi, gratuit, ç œ é",
}


def test_there_is_a_sample_for_every_language() -> None:
    assert set(SAMPLES) == set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_script_renders_without_boxes(language: str, demo: Catalogue) -> None:
    font = find_font(language)
    if font is None or (language == "zh" and "CJK" not in font.name and "wqy" not in font.name):
        pytest.skip(
            f"no font for {language!r} on this machine (the Dockerfile and CI install "
            "fonts-dejavu-core and fonts-noto-cjk)"
        )
    speaker = Translator().speaker(language)
    activity = demo.activity("somali-hooyo")
    assert activity is not None
    printed = " ".join(
        [SAMPLES[language], speaker.gettext("Free"), localised(activity.title, speaker),
         *session_lines(demo, activity, speaker, NOW)]
    )  # fmt: skip
    assert missing_glyphs(printed, font) == []
    regular = font.with_name(font.name.replace("-Bold", ""))
    if regular.is_file():
        assert missing_glyphs(printed, regular) == []


def test_a_missing_glyph_is_noticed() -> None:
    font = find_font("fi")
    if font is None:
        pytest.skip("no system font on this machine")
    assert missing_glyphs("a\U0001f9ffb", font) == ["\U0001f9ff"]  # a nazar amulet emoji


def test_an_unknown_activity_is_named_with_suggestions(demo: Catalogue, tmp_path: Path) -> None:
    with pytest.raises(PosterError, match="louhela-kielikahvila"):
        make_poster(demo, "louhela-kielikahvla", "fi", "tarjotin_bot", tmp_path)


async def test_the_command_asks_telegram_for_the_username(
    fake_telegram_factory: FakeTelegramFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = await fake_telegram_factory(bot_username="kunta_tarjotin_bot")
    settings = Settings(
        data_dir=tmp_path / "data", telegram_token=SecretStr(server.token),
        telegram_api_url=server.url,
    )  # fmt: skip
    args = parser().parse_args(
        ["poster", "louhela-kielikahvila", "--lang", "ar", "-o", str(tmp_path / "out")]
    )
    assert await args.handler(settings, args) == 0
    out = capsys.readouterr().out
    assert out == "https://t.me/kunta_tarjotin_bot?start=a-louhela-kielikahvila\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "poster-louhela-kielikahvila-ar.pdf", "poster-louhela-kielikahvila-ar.png",
        "poster-louhela-kielikahvila-ar.svg",
    ]  # fmt: skip
    assert [c.method for c in server.calls()] == ["getMe"]


async def test_the_command_says_what_to_set_without_token_or_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parser().parse_args(["poster", "louhela-kielikahvila", "-o", str(tmp_path)])
    assert await args.handler(Settings(data_dir=tmp_path), args) == 2
    assert "--bot" in capsys.readouterr().err
    named = parser().parse_args(
        ["poster", "louhela-kielikahvila", "--bot", "tarjotin_bot", "-o", str(tmp_path)]
    )
    assert await named.handler(Settings(data_dir=tmp_path), named) == 0
    assert capsys.readouterr().out.startswith("https://t.me/tarjotin_bot?start=a-")
