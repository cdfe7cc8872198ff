"""Linked Events records (the cities' event API) mapped onto ``tarjotin/1`` records.

Pure: the caller reads the pages (``bot.linkedevents``) and hands over the decoded events.
A recurring *super-event* and its *sub-events* become one activity whose one-off dates are the
sub-events; a lone event becomes an activity with one date. Keywords and audience keywords go
through a mapping table kept as data (``catalog/data/linkedevents-mapping.yaml``); ``event_status``
becomes per-session changes (cancelled, postponed, rescheduled). Everything made here has an id
starting with :data:`SOURCE_PREFIX` (see :mod:`catalog.sources`).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from catalog.model import (
    Activity,
    ActivityId,
    AgeRange,
    Contact,
    NetworkId,
    OccurrenceChange,
    OneOffDate,
    Organisation,
    OrganisationId,
    Place,
    PlaceId,
    Text,
)
from catalog.sources import SOURCE_PREFIX
from catalog.vocabulary import AUDIENCES, CLASSES, KINDS

CANCELLED = "EventCancelled"
POSTPONED = "EventPostponed"
RESCHEDULED = "EventRescheduled"

_ID_LENGTH = 48
_TITLE_LENGTH = 500
_TEXT_LENGTH = 10_000
_LANGUAGE = re.compile(r"[a-z]{2}")
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/li|/h[1-6])\s*/?>", re.IGNORECASE)


class MappingError(ValueError):
    """The mapping table is not usable; the message names the entry."""


@dataclass(frozen=True)
class EventMapping:
    """The mapping table (see the YAML file for the meaning of each part)."""

    keywords: Mapping[str, tuple[str, ...]]
    audiences: Mapping[str, tuple[str, ...]]
    languages: Mapping[str, str]
    default_kind: str
    default_class: str
    default_duration: timedelta
    organisation_kind: str
    organisation_level: str
    free: Text
    registration: Text
    reasons: Mapping[str, str]


DEFAULT_MAPPING = "linkedevents-mapping.yaml"


def load_mapping(path: Path | None = None) -> EventMapping:
    """Read the mapping table (the packaged one unless ``path`` is given) and check it."""
    if path is None:
        text = resources.files("catalog").joinpath("data", DEFAULT_MAPPING).read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    return mapping_from_data(yaml.safe_load(text))


def mapping_from_data(data: Any) -> EventMapping:
    """Build and check the table: every kind, audience and class must be one of ours."""
    if not isinstance(data, dict):
        raise MappingError("the mapping must be a YAML mapping")

    def listed(section: str, allowed: Sequence[str]) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for key, values in (data.get(section) or {}).items():
            values = tuple(values or ())
            wrong = [value for value in values if value not in allowed]
            if wrong:
                raise MappingError(f"{section}: {key}: {', '.join(map(str, wrong))} unknown")
            table[str(key)] = values
        return table

    kind, klass = data.get("default_kind", "recreation"), data.get("default_class", "participation")
    if kind not in KINDS:
        raise MappingError(f"default_kind: {kind!r} is not a kind")
    if klass not in CLASSES:
        raise MappingError(f"default_class: {klass!r} is not a class")
    organisation = data.get("organisation") or {}
    return EventMapping(
        keywords=listed("keywords", KINDS),
        audiences=listed("audiences", AUDIENCES),
        languages={str(k): str(v) for k, v in (data.get("languages") or {}).items()},
        default_kind=kind,
        default_class=klass,
        default_duration=timedelta(minutes=int(data.get("default_duration_minutes", 120))),
        organisation_kind=str(organisation.get("kind", "municipality")),
        organisation_level=str(organisation.get("level", "local")),
        free=tuple((str(k), str(v)) for k, v in (data.get("free") or {}).items()),
        registration=tuple((str(k), str(v)) for k, v in (data.get("registration") or {}).items()),
        reasons={str(k): str(v) for k, v in (data.get("reasons") or {}).items()},
    )


@dataclass(frozen=True)
class SourcePart:
    """What one source gives a network: records and per-session changes, plus notes."""

    network: NetworkId
    organisations: tuple[Organisation, ...]
    places: tuple[Place, ...]
    activities: tuple[Activity, ...]
    changes: tuple[OccurrenceChange, ...]
    notes: tuple[str, ...] = field(default=())


# --- small pure helpers ---------------------------------------------------------------------


def source_id(raw: str) -> str:
    """A ``tarjotin/1`` id for a Linked Events id: ``helsinki:agf3`` -> ``le-helsinki-agf3``.

    Lower case, anything but letters and digits becomes ``-``; an id that changed on the way
    (upper case letters) or is too long gets a short digest so two never meet.
    """
    cleaned = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    candidate = SOURCE_PREFIX + cleaned
    if cleaned == raw.replace(":", "-") and len(candidate) <= _ID_LENGTH:
        return candidate
    tag = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{candidate[: _ID_LENGTH - 9].rstrip('-')}-{tag}"


def id_from_url(reference: object) -> str | None:
    """The id at the end of a JSON-LD ``{"@id": ".../keyword/yso:p916/"}`` reference."""
    if isinstance(reference, dict):
        reference = reference.get("@id") or reference.get("id")
    if not isinstance(reference, str) or not reference:
        return None
    from urllib.parse import unquote

    return unquote(reference.rstrip("/").rsplit("/", 1)[-1])


def plain_text(value: str) -> str:
    """HTML (Linked Events descriptions) as plain text, paragraphs kept."""
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", value)))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def localised(value: object, mapping: EventMapping, limit: int, *, html_text: bool = False) -> Text:
    """A multilingual field ``{"fi": ..., "sv": ...}`` as a Text in our language codes."""
    if isinstance(value, str):
        value = {"fi": value}
    if not isinstance(value, dict):
        return ()
    found: dict[str, str] = {}
    for language, text in value.items():
        code = mapping.languages.get(language, language)
        if not (isinstance(text, str) and _LANGUAGE.fullmatch(code)) or code in found:
            continue
        cleaned = plain_text(text) if html_text else " ".join(text.split())
        if cleaned:
            found[code] = cleaned[:limit]
    return tuple(found.items())


def local_time(value: str, zone: ZoneInfo) -> datetime | None:
    """An API time (``2026-03-04T16:00:00Z`` or a bare date) as a naive local time."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        return None
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _session(event: Mapping[str, Any], zone: ZoneInfo, mapping: EventMapping) -> OneOffDate | None:
    """The event's start and end; a bare date is that whole day, a session at most 24 hours."""
    raw_start = event.get("start_time")
    if not isinstance(raw_start, str):
        return None
    start = local_time(raw_start, zone)
    if start is None:
        return None
    whole_day = len(raw_start) == 10
    raw_end = event.get("end_time")
    end = local_time(raw_end, zone) if isinstance(raw_end, str) else None
    if whole_day:
        end = datetime.combine(start.date(), time(23, 59))
    if end is None or end <= start:
        end = start + mapping.default_duration
    return OneOffDate(start, min(end, start + timedelta(hours=24)))


# --- records ----------------------------------------------------------------------------------


def _organisation(
    publisher: str, organisation: Mapping[str, Any], network: NetworkId, mapping: EventMapping
) -> Organisation:
    name = localised(organisation.get("name"), mapping, _TITLE_LENGTH) or (("fi", publisher),)
    return Organisation(
        id=OrganisationId(source_id(f"{publisher}-{network}")),
        name=name,
        kind=mapping.organisation_kind,
        level=mapping.organisation_level,
        networks=(network,),
    )


def _place(location: Mapping[str, Any], municipality: str, mapping: EventMapping) -> Place | None:
    """A place from an expanded ``location``; ``None`` when only a bare reference came."""
    raw_id = location.get("id") or id_from_url(location)
    name = localised(location.get("name"), mapping, _TITLE_LENGTH)
    if not isinstance(raw_id, str) or not name:
        return None
    street = dict(localised(location.get("street_address"), mapping, 400))
    postal = location.get("postal_code")
    locality = dict(localised(location.get("address_locality"), mapping, 100))
    town = locality.get("fi") or next(iter(locality.values()), None)
    address = street.get("fi") or next(iter(street.values()), None)
    if address and (postal or town):
        address = f"{address}, {' '.join(str(p) for p in (postal, town) if p)}"
    geo = None
    position = location.get("position")
    if isinstance(position, dict):
        coordinates = position.get("coordinates")
        if isinstance(coordinates, list) and len(coordinates) == 2:
            longitude, latitude = coordinates  # GeoJSON order
            geo = (float(latitude), float(longitude))
    url = location.get("info_url")
    url_text = dict(localised(url, mapping, 2000)).get("fi") if url else None
    return Place(
        id=PlaceId(source_id(raw_id)),
        name=name,
        municipality=town or municipality,
        address=address[:500] if address else None,
        geo=geo,
        url=url_text if url_text and url_text.startswith(("http://", "https://")) else None,
    )


def _keywords(event: Mapping[str, Any], key: str) -> list[str]:
    return [k for k in (id_from_url(ref) for ref in event.get(key) or ()) if k]


def _kinds_and_audience(
    event: Mapping[str, Any], mapping: EventMapping
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    kinds: list[str] = []
    audience: list[str] = []
    for keyword in _keywords(event, "keywords"):
        kinds += mapping.keywords.get(keyword, ())
        audience += mapping.audiences.get(keyword, ())
    for keyword in _keywords(event, "audience"):
        audience += mapping.audiences.get(keyword, ())
    return (
        tuple(dict.fromkeys(kinds)) or (mapping.default_kind,),
        tuple(a for a in dict.fromkeys(audience) if a != "everyone" or len(set(audience)) == 1),
    )


def _languages(event: Mapping[str, Any], mapping: EventMapping) -> tuple[str, ...]:
    codes = (mapping.languages.get(c, c) for c in _keywords(event, "in_language"))
    return tuple(dict.fromkeys(c for c in codes if _LANGUAGE.fullmatch(c)))


def _cost(event: Mapping[str, Any], mapping: EventMapping) -> Text:
    """``offers``: absent or free means free (the format's "absent means free")."""
    offers = [offer for offer in event.get("offers") or () if isinstance(offer, dict)]
    if not offers or all(offer.get("is_free") for offer in offers):
        return ()
    texts: dict[str, list[str]] = defaultdict(list)
    for offer in offers:
        if offer.get("is_free"):
            for language, text in mapping.free:
                texts[language].append(text)
            continue
        for language, text in localised(offer.get("price"), mapping, 2000):
            texts[language].append(text)
        for language, text in localised(offer.get("description"), mapping, 2000, html_text=True):
            texts[language].append(text)
    return tuple((k, "; ".join(v)[:_TEXT_LENGTH]) for k, v in texts.items())


def _registration_url(event: Mapping[str, Any]) -> str | None:
    """Where to sign up: a ``registration`` external link, else a paid offer's ``info_url``."""
    for link in event.get("external_links") or ():
        if isinstance(link, dict) and link.get("name") == "registration":
            url = link.get("link")
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                return url
    for offer in event.get("offers") or ():
        if isinstance(offer, dict):
            info = offer.get("info_url")
            if isinstance(info, dict):
                info = info.get("fi") or next(iter(info.values()), None)
            url = info
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                return url
    return None


def _registration(event: Mapping[str, Any], mapping: EventMapping) -> Text:
    url = _registration_url(event)
    if url is None:
        return ()
    return tuple((language, text.format(url=url)) for language, text in mapping.registration)


def _contact(event: Mapping[str, Any], mapping: EventMapping) -> Contact | None:
    info = dict(localised(event.get("info_url"), mapping, 2000))
    url = info.get("fi") or next(iter(info.values()), None)
    if url and url.startswith(("http://", "https://")):
        return Contact(url=url)
    return None


def _age(event: Mapping[str, Any]) -> AgeRange | None:
    low, high = event.get("audience_min_age"), event.get("audience_max_age")
    low = low if isinstance(low, int) and 0 <= low <= 120 else None
    high = high if isinstance(high, int) and 0 <= high <= 120 else None
    if (low is None and high is None) or (low is not None and high is not None and low > high):
        return None
    return AgeRange(low, high)


def _status_change(
    activity: ActivityId, status: str, when: OneOffDate, mapping: EventMapping
) -> OccurrenceChange | None:
    """One sub-event's status as a per-session change of the activity (None when scheduled)."""
    if status == CANCELLED:
        return OccurrenceChange(activity, when.start, cancelled=True,
                                reason=mapping.reasons.get("cancelled"))  # fmt: skip
    if status == POSTPONED:
        return OccurrenceChange(activity, when.start, cancelled=True,
                                reason=mapping.reasons.get("postponed"))  # fmt: skip
    if status == RESCHEDULED:  # the API gives only the new time: said as moved, to itself
        return OccurrenceChange(activity, when.start, new_start=when.start, new_end=when.end,
                                reason=mapping.reasons.get("rescheduled"))  # fmt: skip
    return None


Group = tuple[Mapping[str, Any], list[Mapping[str, Any]]]


def _groups(events: Iterable[Mapping[str, Any]]) -> dict[str, Group]:
    """Events grouped under their super-event (kept in first-seen order): id -> (head, subs)."""
    by_id = {e["id"]: e for e in events if isinstance(e.get("id"), str) and not e.get("deleted")}
    groups: dict[str, Group] = {}
    for event in by_id.values():
        parent = id_from_url(event.get("super_event"))
        if parent is not None and parent in by_id:
            head = by_id[parent]
            groups.setdefault(parent, (head, []))[1].append(event)
        elif event.get("super_event_type") in ("recurring", "umbrella"):
            groups.setdefault(event["id"], (event, []))
        else:  # a lone event, or a sub-event whose super-event was not listed
            groups.setdefault(event["id"], (event, []))
    return groups


def map_events(
    events: Sequence[Mapping[str, Any]],
    publishers: Mapping[str, Mapping[str, Any]],
    *,
    network: NetworkId,
    municipality: str,
    timezone: str,
    mapping: EventMapping,
) -> SourcePart:
    """Map decoded Linked Events events (``include=location``) onto one network's records."""
    zone = ZoneInfo(timezone)
    organisations: dict[str, Organisation] = {}
    places: dict[str, Place] = {}
    activities: list[Activity] = []
    changes: list[OccurrenceChange] = []
    notes: list[str] = []
    for head_id, (head, subs) in _groups(events).items():
        publisher = str(head.get("publisher") or "unknown")
        organisation = organisations.get(publisher) or _organisation(
            publisher, publishers.get(publisher, {}), network, mapping
        )
        organisations[publisher] = organisation
        activity_id = ActivityId(source_id(head_id))
        sessions = subs or [head]
        dates: list[OneOffDate] = []
        for sub in sorted(sessions, key=lambda e: str(e.get("start_time") or "")):
            when = _session(sub, zone, mapping)
            status = str(sub.get("event_status") or head.get("event_status") or "")
            if when is None:  # postponed without a date, or no time at all
                notes.append(f"{sub.get('id')}: no date ({status or 'no start_time'}), left out")
                continue
            if when in dates:
                continue
            dates.append(when)
            if head.get("event_status") == CANCELLED:
                status = CANCELLED
            change = _status_change(activity_id, status, when, mapping)
            if change is not None:
                changes.append(change)
        if not dates:
            notes.append(f"{head_id}: no session with a date, left out")
            continue
        location = next(
            (e.get("location") for e in (head, *sessions) if isinstance(e.get("location"), dict)),
            None,
        )
        place = _place(location, municipality, mapping) if location else None
        if place is not None:
            places.setdefault(place.id, place)
        title = localised(head.get("name"), mapping, _TITLE_LENGTH)
        if not title:
            notes.append(f"{head_id}: no name, left out")
            continue
        description = localised(
            head.get("description") or head.get("short_description"), mapping, _TEXT_LENGTH,
            html_text=True,
        )  # fmt: skip
        kinds, audience = _kinds_and_audience(head, mapping)
        activities.append(
            Activity(
                id=activity_id,
                organisation=organisation.id,
                klass=mapping.default_class,
                kinds=kinds,
                title=title,
                description=description,
                audience=audience,
                languages=_languages(head, mapping),
                place=place.id if place else None,
                dates=tuple(dates),
                cost=_cost(head, mapping),
                registration=_registration(head, mapping),
                contact=_contact(head, mapping),
                age=_age(head),
            )
        )
    used = {a.organisation for a in activities}
    return SourcePart(
        network=network,
        organisations=tuple(o for o in organisations.values() if o.id in used),
        places=tuple(places.values()),
        activities=tuple(activities),
        changes=tuple(changes),
        notes=tuple(notes),
    )
