"""A network's programme: its municipalities' places, its organisations' placeless activities."""

from __future__ import annotations

from bench.generator import generate_catalogue_model
from catalog.model import Catalogue, NetworkId
from catalog.scope import belongs_to, kind_coverage, network_activity_ids
from catalog.vocabulary import KINDS


def test_scope_rule_on_the_demo(demo: Catalogue) -> None:
    network = demo.network(NetworkId("nurmijarvi"))
    assert network is not None
    ids = network_activity_ids(demo, network)
    for activity in demo.activities:
        place = demo.place(activity.place)
        organisation = demo.organisation(activity.organisation)
        assert organisation is not None
        if place is not None and not place.online:
            expected = place.municipality in network.municipalities
        else:
            expected = network.id in organisation.networks
        assert (activity.id in ids) == expected


def test_online_and_placeless_activities_follow_their_organisation(demo: Catalogue) -> None:
    chat = demo.activity("nurmijarvi-neuvontachat")
    friend = demo.activity("spr-nurmijarvi-ystava")
    assert chat is not None
    assert friend is not None
    nurmijarvi = demo.network("nurmijarvi")
    espoo = demo.network("espoo")
    assert nurmijarvi is not None
    assert espoo is not None
    assert belongs_to(demo, chat, nurmijarvi)
    assert not belongs_to(demo, chat, espoo)
    assert belongs_to(demo, friend, nurmijarvi)
    assert not belongs_to(demo, friend, espoo)


def test_kind_coverage_is_what_each_kind_subscription_covers() -> None:
    """Several municipalities per network, online places, organisations in several networks."""
    catalogue = generate_catalogue_model(400, seed=5)
    coverage = kind_coverage(catalogue)
    for network in catalogue.networks:
        for kind in KINDS:
            expected = [
                a.id
                for a in catalogue.activities
                if kind in a.kinds and belongs_to(catalogue, a, network)
            ]
            assert coverage.get((kind, network.id), []) == expected
    assert all(ids for ids in coverage.values())
