"""Records that come from an outside source, kept apart from the hand-written catalogue.

Every record an outside source makes (today: Linked Events) has an id starting with
:data:`SOURCE_PREFIX`, which hand-written catalogues do not use. Each side replaces only its
own records: an import from the source for network N replaces that source's records of N and
keeps everything else; a file import (``tarjotin import``) keeps the source's records that the
file does not mention. So one never withdraws the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from catalog.model import Activity, Catalogue, Organisation, Place

if TYPE_CHECKING:
    from catalog.linkedevents import SourcePart

SOURCE_PREFIX = "le-"
"""The id prefix of records made from Linked Events."""

SOURCE_MARKER = "source:linkedevents"
"""``changed_by`` of the per-session changes the source made (never a user's id)."""


class UnknownNetworkError(LookupError):
    """The source's records would belong to a network the catalogue does not have."""


def from_source(record_id: str) -> bool:
    """Whether a record was made from the outside source."""
    return record_id.startswith(SOURCE_PREFIX)


def _owned_organisations(catalogue: Catalogue, network: str) -> set[str]:
    return {
        o.id for o in catalogue.organisations if from_source(o.id) and o.networks == (network,)
    }


def owned_activities(catalogue: Catalogue, network: str) -> set[str]:
    """Ids of the source's activities in ``network`` (what one source import replaces)."""
    owners = _owned_organisations(catalogue, network)
    return {a.id for a in catalogue.activities if from_source(a.id) and a.organisation in owners}


def _places_for(
    activities: Iterable[Activity], candidates: Iterable[Place]
) -> tuple[Place, ...]:
    """The candidate places some activity uses, in the candidates' order."""
    used = {a.place for a in activities}
    return tuple(p for p in candidates if p.id in used)


def merge_source(base: Catalogue, part: SourcePart) -> Catalogue:
    """``base`` with the source's records of ``part.network`` replaced by ``part``'s."""
    if base.network(part.network) is None:
        raise UnknownNetworkError(part.network)
    new_ids = {a.id for a in part.activities}
    owned_orgs = _owned_organisations(base, part.network)
    owned = owned_activities(base, part.network) | new_ids
    activities = [a for a in base.activities if a.id not in owned]
    organisations: list[Organisation] = [
        o for o in base.organisations if o.id not in owned_orgs
    ]
    known = {o.id for o in organisations}
    organisations += [o for o in part.organisations if o.id not in known]
    activities += part.activities
    new_places = {p.id: p for p in part.places}
    source_places = [new_places.pop(p.id, p) for p in base.places if from_source(p.id)]
    places = [
        *(p for p in base.places if not from_source(p.id)),
        *_places_for(activities, [*source_places, *new_places.values()]),
    ]
    return replace_records(base, organisations, places, activities)


def keep_source_records(file: Catalogue, stored: Catalogue) -> Catalogue:
    """The file's catalogue plus the stored source records it does not mention.

    Source records of a network the file no longer has are left out (withdrawn with it).
    """
    networks = {n.id for n in file.networks}
    org_ids = {o.id for o in file.organisations}
    organisations = [
        o
        for o in stored.organisations
        if from_source(o.id) and o.id not in org_ids and set(o.networks) <= networks
    ]
    owners = org_ids | {o.id for o in organisations}
    activity_ids = {a.id for a in file.activities}
    activities = [
        a
        for a in stored.activities
        if from_source(a.id) and a.id not in activity_ids and a.organisation in owners
    ]
    place_ids = {p.id for p in file.places}
    places = _places_for(
        activities, [p for p in stored.places if from_source(p.id) and p.id not in place_ids]
    )
    if not (organisations or activities or places):
        return file
    return replace_records(
        file,
        [*file.organisations, *organisations],
        [*file.places, *places],
        [*file.activities, *activities],
    )


def replace_records(
    catalogue: Catalogue,
    organisations: Iterable[Organisation],
    places: Iterable[Place],
    activities: Iterable[Activity],
) -> Catalogue:
    """A new catalogue with these records (the networks and time zone kept)."""
    return replace(
        catalogue,
        organisations=tuple(organisations),
        places=tuple(places),
        activities=tuple(activities),
    )
