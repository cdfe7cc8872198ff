"""The benchmark catalogue generator: a national catalogue spreads over many networks."""

from __future__ import annotations

from collections import Counter

from bench.generator import generate_catalogue_model
from catalog.scope import network_activity_ids


def test_a_small_catalogue_keeps_the_eight_networks() -> None:
    catalogue = generate_catalogue_model(500, seed=3)
    assert len(catalogue.networks) == 8


def test_a_national_catalogue_adds_regional_networks_of_their_own_municipalities() -> None:
    catalogue = generate_catalogue_model(16_000, seed=3)
    assert len(catalogue.networks) == 10  # one network per 1,600 activities
    municipalities = Counter(m for n in catalogue.networks for m in n.municipalities)
    assert all(count == 1 for count in municipalities.values())  # no town in two networks
    assert len(municipalities) > 16
    for network in catalogue.networks:
        assert network_activity_ids(catalogue, network), network.id
