"""``tarjotin poster``: the deep link, the SVG and PNG posters, and the command itself."""

from __future__ import annotations

import argparse
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
    make_poster,
    poster_png,
    poster_svg,
    qr_matrix,
    title_lines,
)
from catalog.model import Catalogue
from handlers.core.formatting import localised
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


def test_make_poster_writes_both_files_titled_in_the_language(
    demo: Catalogue, tmp_path: Path
) -> None:
    poster = make_poster(demo, "somali-hooyo", "so", "tarjotin_bot", tmp_path)
    assert poster.link == "https://t.me/tarjotin_bot?start=a-somali-hooyo"
    assert (poster.svg.name, poster.png.name) == ("poster-somali-hooyo-so.svg",
                                                  "poster-somali-hooyo-so.png")  # fmt: skip
    activity = demo.activity("somali-hooyo")
    assert activity is not None
    title = localised(activity.title, Translator().speaker("so"))
    root = ET.fromstring(poster.svg.read_bytes())
    assert " ".join(t.text or "" for t in list(root.iter(f"{SVG}text"))[:-1]) == title
    with Image.open(poster.png) as image:
        assert image.format == "PNG"


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
        "poster-louhela-kielikahvila-ar.png", "poster-louhela-kielikahvila-ar.svg",
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
