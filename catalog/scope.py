"""Which activities belong to a network's programme.

An activity belongs to a network when its place is in one of the network's municipalities,
or when it has no place (or an online place) and its organisation belongs to the network.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from catalog.model import Activity, ActivityId, Catalogue, Network


def _fold(name: str) -> str:
    return name.casefold().strip()


def belongs_to(catalogue: Catalogue, activity: Activity, network: Network) -> bool:
    """Whether ``activity`` is part of ``network``'s programme."""
    place = catalogue.place(activity.place)
    if place is not None and not place.online:
        return _fold(place.municipality) in {_fold(m) for m in network.municipalities}
    organisation = catalogue.organisation(activity.organisation)
    return organisation is not None and network.id in organisation.networks


def in_municipalities(
    catalogue: Catalogue, activity: Activity, municipalities: Collection[str]
) -> bool:
    """Whether the activity happens at a physical place in one of ``municipalities``."""
    place = catalogue.place(activity.place)
    wanted = {_fold(m) for m in municipalities}
    return place is not None and not place.online and _fold(place.municipality) in wanted


def network_activity_ids(catalogue: Catalogue, network: Network) -> frozenset[ActivityId]:
    """Ids of every activity in ``network``'s programme."""
    return frozenset(a.id for a in catalogue.activities if belongs_to(catalogue, a, network))


def kind_coverage(catalogue: Catalogue) -> dict[tuple[str, str], list[ActivityId]]:
    """Ids of the activities a subscription to each ``(kind, network)`` covers, in file order.

    The same answer as asking :func:`belongs_to` of every activity for each kind
    subscription, in one pass: at 100,000 activities and a thousand distinct kind
    subscriptions, asking each was most of a planning pass.
    """
    serving: dict[str, list[str]] = {}
    for network in catalogue.networks:
        for municipality in network.municipalities:
            serving.setdefault(_fold(municipality), []).append(network.id)
    known = {network.id for network in catalogue.networks}
    result: dict[tuple[str, str], list[ActivityId]] = {}
    for activity in catalogue.activities:
        place = catalogue.place(activity.place)
        networks: Iterable[str]
        if place is not None and not place.online:
            networks = serving.get(_fold(place.municipality), ())
        else:
            organisation = catalogue.organisation(activity.organisation)
            networks = [n for n in organisation.networks if n in known] if organisation else ()
        for network_id in dict.fromkeys(networks):
            for kind in dict.fromkeys(activity.kinds):
                result.setdefault((kind, network_id), []).append(activity.id)
    return result
