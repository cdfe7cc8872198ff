"""The coordination file: desks per network, every problem named, catalogue e-mail fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.coordination_file import CoordinationError, load_desks, parse_desks, with_catalogue_emails
from catalog.model import Catalogue
from handlers.coordination.permissions import Desk


def test_a_valid_file_gives_one_desk_per_network(tmp_path: Path) -> None:
    path = tmp_path / "coordination.yaml"
    path.write_text(
        "networks:\n"
        "  nurmijarvi:\n"
        "    coordinators: [telegram:123, 'matrix:@anna:example.org']\n"
        "    chats: ['telegram:-1001234', 'matrix:!AbC:example.org', 'matrix:!hkUS6QtiXyz']\n"
        "    emails: [kotoutuminen@nurmijarvi.fi]\n",
        encoding="utf-8",
    )
    [desk] = load_desks(path).values()
    assert desk == Desk(
        "nurmijarvi",
        ("telegram:123", "matrix:@anna:example.org"),  # type: ignore[arg-type]
        ("telegram:-1001234", "matrix:!AbC:example.org", "matrix:!hkUS6QtiXyz"),  # type: ignore[arg-type]
        ("kotoutuminen@nurmijarvi.fi",),
    )


def test_no_file_means_no_desks() -> None:
    assert load_desks(None) == {}


def test_every_problem_is_named_by_network_and_field() -> None:
    with pytest.raises(CoordinationError) as raised:
        parse_desks(
            {
                "networks": {
                    "a": {"coordinators": ["anna"], "emails": ["not-an-address"]},
                    "b": {"chats": "telegram:-1"},
                    "c": {"phones": []},
                }
            }
        )
    message = str(raised.value)
    assert "networks.a.coordinators: 'anna'" in message
    assert "networks.a.emails: 'not-an-address'" in message
    assert "networks.b.chats: must be a list" in message
    assert "networks.c: unknown keys phones" in message


def test_a_file_that_is_not_yaml_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("networks: [unclosed", encoding="utf-8")
    with pytest.raises(CoordinationError, match=r"broken\.yaml"):
        load_desks(path)
    with pytest.raises(CoordinationError, match="'networks' mapping"):
        parse_desks({"nets": {}})


def test_every_network_gets_a_desk_with_the_catalogues_address_when_none_is_set(
    demo: Catalogue,
) -> None:
    configured = {"nurmijarvi": Desk("nurmijarvi", emails=("own@example.fi",))}
    desks = with_catalogue_emails(configured, demo)
    assert set(desks) == {n.id for n in demo.networks}
    assert desks["nurmijarvi"].emails == ("own@example.fi",)
    for network in demo.networks:
        if network.id != "nurmijarvi":
            assert desks[network.id].emails == (network.coordinator.email,)
