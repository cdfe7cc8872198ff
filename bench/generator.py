"""Large, realistic, reproducible catalogues for benchmarks (and for tests that need volume).

:func:`generate_catalogue_model` builds the model directly (no importer involved);
:func:`generate_catalogue` returns the same catalogue as a raw ``tarjotin/1`` document, plain
JSON-able data in FORMAT.md's shape with every date and time a string. The mix imitates real
trays: eight networks of different sizes (up to 12,800 activities; a larger, national
catalogue adds a regional network of invented municipalities per 1,600 activities, up to 60
networks and about 300 municipalities at 100,000), municipal, association, parish and national
organisations (national ones in several networks), places in the networks' municipalities and
some online, and activities that are weekly, bi-weekly, monthly on an ordinal weekday, short
counted courses, one-off dates or ongoing, with titles in Finnish and often other languages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from catalog.export import catalogue_to_data
from catalog.model import (
    Activity,
    ActivityId,
    AgeRange,
    Catalogue,
    Contact,
    Coordinator,
    Network,
    NetworkId,
    OneOffDate,
    Organisation,
    OrganisationId,
    Place,
    PlaceId,
    ScheduleRule,
    Text,
)
from catalog.sharing import Shared
from catalog.vocabulary import AUDIENCES, CLASSES, FINNISH_LEVELS, STAGES

TIMEZONE = "Europe/Helsinki"

#: The first day of the generated season; the benchmark asks about the weeks after it.
SEASON_START = date(2026, 8, 17)

# id, names, municipalities, relative size
_NETWORKS: tuple[tuple[str, Text, tuple[str, ...], int], ...] = (
    (
        "nurmijarvi",
        (("fi", "Nurmijärven kotoutumisverkosto"), ("en", "Nurmijärvi network")),
        ("Nurmijärvi",),
        2,
    ),
    (
        "espoo",
        (
            ("fi", "Espoon kotoutumisverkosto"),
            ("sv", "Esbo integrationsnätverk"),
            ("en", "Espoo integration network"),
        ),
        ("Espoo",),
        6,
    ),
    (
        "kirkkonummi-kauniainen",
        (("fi", "Yhteinen kuntamme"), ("sv", "Vår gemensamma kommun")),
        ("Kirkkonummi", "Kauniainen"),
        2,
    ),
    (
        "hameenlinna",
        (("fi", "Hämeenlinnan seudun kotoutumisverkosto"),),
        ("Hämeenlinna", "Janakkala", "Hattula"),
        3,
    ),
    (
        "tampere",
        (("fi", "Tampereen seudun kotoutumisverkosto"), ("en", "Tampere region network")),
        ("Tampere", "Nokia", "Ylöjärvi", "Kangasala"),
        5,
    ),
    (
        "oulu",
        (("fi", "Oulun kotoutumisverkosto"), ("en", "Oulu integration network")),
        ("Oulu", "Kempele"),
        4,
    ),
    (
        "turku",
        (("fi", "Turun seudun kotoutumisverkosto"), ("sv", "Åbonejdens nätverk")),
        ("Turku", "Kaarina", "Raisio"),
        4,
    ),
    ("joensuu", (("fi", "Joensuun kotoutumisverkosto"),), ("Joensuu",), 1),
)

# kind -> title in several languages (Finnish always first)
_TITLES: dict[str, dict[str, str]] = {
    "language_club": {
        "fi": "Kielikahvila",
        "en": "Language café",
        "uk": "Мовне кафе",
        "ar": "مقهى اللغة",
        "ru": "Языковое кафе",
        "so": "Makhaayadda luqadda",
    },
    "language_course": {
        "fi": "Suomen kielen kurssi",
        "en": "Finnish course",
        "uk": "Курс фінської мови",
        "ar": "دورة اللغة الفنلندية",
    },
    "friend_activity": {"fi": "Ystävätoiminta", "en": "Friend activity", "fa": "فعالیت دوستی"},
    "mother_child_group": {
        "fi": "Äiti–lapsi-ryhmä",
        "en": "Mother and child group",
        "ar": "مجموعة الأم والطفل",
        "so": "Kooxda hooyada iyo ilmaha",
    },
    "family_activity": {"fi": "Perhekahvila", "en": "Family café", "uk": "Сімейне кафе"},
    "womens_group": {
        "fi": "Naisten ryhmä",
        "en": "Women's group",
        "ar": "مجموعة النساء",
        "fa": "گروه زنان",
    },
    "mens_group": {"fi": "Miesten ryhmä", "en": "Men's group", "ar": "مجموعة الرجال"},
    "international_club": {
        "fi": "Kansainvälinen klubi",
        "en": "International club",
        "sv": "Internationell klubb",
    },
    "peer_group": {"fi": "Vertaisryhmä", "en": "Peer support group", "uk": "Група підтримки"},
    "homework_help": {"fi": "Läksykerho", "en": "Homework club", "ar": "نادي الواجبات"},
    "sports": {"fi": "Liikuntavuoro", "en": "Sports session", "so": "Ciyaaraha"},
    "outdoor": {"fi": "Luontoretki", "en": "Nature walk", "uk": "Прогулянка на природі"},
    "crafts": {"fi": "Käsityökerho", "en": "Crafts club", "ru": "Кружок рукоделия"},
    "cooking": {"fi": "Kokkikerho", "en": "Cooking club", "ar": "نادي الطبخ"},
    "music_culture": {"fi": "Musiikkiryhmä", "en": "Music group", "tr": "Müzik grubu"},
    "recreation": {"fi": "Retkipäivä", "en": "Excursion day", "zh": "郊游日"},
    "volunteering": {"fi": "Vapaaehtoiseksi", "en": "Become a volunteer", "es": "Voluntariado"},
    "guidance": {
        "fi": "Neuvontapiste",
        "en": "Advice desk",
        "ar": "مكتب الإرشاد",
        "so": "Xafiiska talobixinta",
        "uk": "Консультації",
    },
    "job_search": {"fi": "Työnhakuklinikka", "en": "Job search clinic", "fr": "Recherche d'emploi"},
    "digital_skills": {"fi": "Digitukipiste", "en": "Digital help desk", "ru": "Цифровая помощь"},
    "network_meeting": {"fi": "Verkostotapaaminen", "en": "Network meeting"},
}
_KINDS = tuple(_TITLES)

_ORGANISATION_MIX = (
    ("municipality", "Kaupunki", 1),
    ("association", "Yhdistys", 6),
    ("immigrant_association", "Kulttuuriyhdistys", 3),
    ("parish", "Seurakunta", 2),
    ("national_ngo", "Punainen Risti", 2),
    ("school", "Opisto", 2),
    ("company", "Oy", 1),
)

_ORGANISATION_LABELS = {kind: label for kind, label, _ in _ORGANISATION_MIX}

_SPOKEN = (
    ("fi",),
    ("fi", "en"),
    ("fi", "ar"),
    ("fi", "uk"),
    ("fi", "ru"),
    ("en",),
    ("fi", "so"),
    ("fi", "en", "uk"),
    ("fi", "sv"),
)

_HOLIDAYS = (date(2026, 12, 8), date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 6))


@dataclass(frozen=True, slots=True)
class _Setting:
    """What activities are drawn from: networks, organisations and places per network."""

    networks: tuple[Network, ...]
    organisations: tuple[Organisation, ...]
    places: tuple[Place, ...]
    places_by_network: dict[NetworkId, tuple[Place, ...]]
    online: tuple[Place, ...]


#: Activities per network in a national catalogue, and the most networks one has.
_ACTIVITIES_PER_NETWORK = 1_600
_MAX_NETWORKS = 60

# Invented municipality names for the regional networks of a national catalogue: 20 × 15.
_NAME_STARTS = (
    "Ala", "Yli", "Keski", "Pohjois", "Etelä", "Itä", "Länsi", "Iso", "Pikku", "Vanha",
    "Uusi", "Sini", "Kivi", "Honka", "Koivu", "Pihla", "Kuusi", "Haapa", "Leppä", "Tammi",
)  # fmt: skip
_NAME_ENDS = (
    "järvi", "koski", "lahti", "niemi", "salo", "vaara", "mäki", "joki",
    "kylä", "saari", "harju", "linna", "lampi", "suo", "ranta",
)  # fmt: skip


def _network_plan(n_activities: int) -> tuple[tuple[str, Text, tuple[str, ...], int], ...]:
    """The eight named networks, plus invented regional ones for a national catalogue.

    Up to 12,800 activities the catalogue keeps the eight (so smaller benchmarks stay
    comparable); beyond, one network of 3–8 invented municipalities per 1,600 activities, at
    most 60 networks (about 300 municipalities). Drawn from their own seed so the rest of the
    catalogue's draws do not move.
    """
    extra = min(_MAX_NETWORKS, n_activities // _ACTIVITIES_PER_NETWORK) - len(_NETWORKS)
    if extra <= 0:
        return _NETWORKS
    rng = random.Random(extra)
    names = [start + end for start in _NAME_STARTS for end in _NAME_ENDS]
    rng.shuffle(names)
    plan = list(_NETWORKS)
    for number in range(extra):
        municipalities = tuple(names.pop() for _ in range(rng.randint(3, 8)))
        key = f"region-{number + 1:02d}"
        name = (("fi", f"{municipalities[0]}n seudun kotoutumisverkosto"),)
        plan.append((key, name, municipalities, rng.choice((1, 2, 2, 3, 4))))
    return tuple(plan)


def _networks(plan: tuple[tuple[str, Text, tuple[str, ...], int], ...]) -> tuple[Network, ...]:
    return tuple(
        Network(
            id=NetworkId(key),
            name=name,
            municipalities=municipalities,
            coordinator=Coordinator(
                email=f"kotoutuminen@{key}.example.fi",
                name=(("fi", "Maahanmuuttokoordinaattori"), ("en", "Immigration coordinator")),
                phone=f"+358 40 000 {1000 + index:04d}",
            ),
            languages=("fi", "en"),
        )
        for index, (key, name, municipalities, _) in enumerate(plan)
    )


def _organisations(
    rng: random.Random, count: int, networks: tuple[Network, ...], weights: list[int]
) -> tuple[Organisation, ...]:
    kinds = [kind for kind, _, share in _ORGANISATION_MIX for _ in range(share)]
    result = []
    for number in range(count):
        kind = rng.choice(kinds)
        if kind == "national_ngo" and rng.random() < 0.5:
            members = tuple(rng.sample(networks, k=rng.randint(2, 4)))
            level = "national"
        else:
            members = (rng.choices(networks, weights=weights)[0],)
            level = "regional" if rng.random() < 0.1 else "local"
        label = _ORGANISATION_LABELS[kind]
        place_name = members[0].municipalities[0]
        result.append(
            Organisation(
                id=OrganisationId(f"org-{number:05d}"),
                name=(("fi", f"{place_name}n {label} {number}"),),
                kind=kind,
                level=level,
                networks=tuple(n.id for n in members),
                contact=Contact(
                    email=f"info{number}@org.example.fi",
                    phone=f"+358 40 100 {number % 10_000:04d}" if rng.random() < 0.6 else None,
                    url=f"https://org{number}.example.fi" if rng.random() < 0.4 else None,
                ),
            )
        )
    return tuple(result)


def _places(
    rng: random.Random, count: int, networks: tuple[Network, ...], weights: list[int]
) -> tuple[Place, ...]:
    result = []
    for number in range(count):
        network = rng.choices(networks, weights=weights)[0]
        municipality = rng.choice(network.municipalities)
        place_id = PlaceId(f"place-{number:05d}")
        if rng.random() < 0.05:
            result.append(
                Place(
                    id=place_id,
                    name=(("fi", f"Verkkotapaaminen {number}"), ("en", f"Online room {number}")),
                    municipality=municipality,
                    online=True,
                    url=f"https://meet.example.org/{place_id}",
                )
            )
            continue
        result.append(
            Place(
                id=place_id,
                name=(("fi", f"{municipality} – talo {number}"),),
                municipality=municipality,
                address=f"Esimerkkikatu {number % 120 + 1}, {municipality}",
                geo=(round(60 + rng.random() * 5, 5), round(21 + rng.random() * 8, 5)),
                accessibility=(("fi", "Esteetön sisäänkäynti"),) if rng.random() < 0.3 else (),
            )
        )
    return tuple(result)


def _setting(rng: random.Random, n_activities: int) -> _Setting:
    plan = _network_plan(n_activities)
    networks = _networks(plan)
    weights = [size for *_, size in plan]
    organisations = _organisations(rng, max(4, n_activities // 20), networks, weights)
    places = _places(rng, max(8, n_activities // 10), networks, weights)
    by_municipality: dict[str, list[Place]] = {}
    for place in places:
        if not place.online:
            by_municipality.setdefault(place.municipality, []).append(place)
    places_by_network = {
        network.id: tuple(p for m in network.municipalities for p in by_municipality.get(m, ()))
        for network in networks
    }
    online = tuple(p for p in places if p.online)
    return _Setting(networks, organisations, places, places_by_network, online)


def _title(rng: random.Random, kind: str, number: int, municipality: str) -> Text:
    names = _TITLES[kind]
    extra = [language for language in names if language != "fi"]
    chosen = rng.sample(extra, k=min(len(extra), rng.choice((0, 1, 1, 2, 3))))
    title = [("fi", f"{names['fi']} {municipality} {number}")]
    title += [(language, f"{names[language]} {number}") for language in chosen]
    return tuple(title)


def _start(rng: random.Random) -> datetime:
    day = SEASON_START + timedelta(days=rng.randrange(21))
    return datetime.combine(day, time(rng.randint(9, 19), rng.choice((0, 0, 15, 30))))


def _rule(rng: random.Random, rrule_text: str, start: datetime, **extra: Any) -> ScheduleRule:
    if rng.random() < 0.7:
        hours = rng.choice((1, 1, 2, 2, 3))
        minutes = rng.choice((0, 30)) if start.hour + hours < 23 else 0
        end = time(min(start.hour + hours, 23), minutes)
        return ScheduleRule(rrule=rrule_text, start=start, end=end, **extra)
    duration = timedelta(minutes=rng.choice((45, 60, 90, 120, 150)))
    return ScheduleRule(rrule=rrule_text, start=start, duration=duration, **extra)


def _weekday_code(day: datetime) -> str:
    return ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]


def _when(rng: random.Random) -> tuple[tuple[ScheduleRule, ...], tuple[OneOffDate, ...]]:
    """Draw a schedule from a realistic mix of shapes."""
    start = _start(rng)
    code = _weekday_code(start)
    roll = rng.random()
    until = date(2026, 12, 15) if rng.random() < 0.4 else None
    if roll < 0.40:  # weekly, sometimes on two days, sometimes with exceptions
        days = code if rng.random() < 0.8 else f"{code},{_weekday_code(start + timedelta(2))}"
        exceptions = tuple(d for d in _HOLIDAYS if rng.random() < 0.3)
        return (
            _rule(rng, f"FREQ=WEEKLY;BYDAY={days}", start, until=until, exceptions=exceptions),
        ), ()
    if roll < 0.55:  # every other week
        return (_rule(rng, f"FREQ=WEEKLY;INTERVAL=2;BYDAY={code}", start, until=until),), ()
    if roll < 0.65:  # monthly on an ordinal weekday: 2TU, -1FR …
        ordinal = rng.choice(("1", "2", "3", "-1"))
        return (_rule(rng, f"FREQ=MONTHLY;BYDAY={ordinal}{code}", start),), ()
    if roll < 0.70:  # a counted course
        return (_rule(rng, f"FREQ=WEEKLY;BYDAY={code};COUNT={rng.randint(6, 16)}", start),), ()
    if roll < 0.75:  # two weekly sessions under separate rules
        other = start + timedelta(days=3, hours=rng.choice((-2, 0, 2)))
        return (
            _rule(rng, f"FREQ=WEEKLY;BYDAY={code}", start, until=until),
            _rule(rng, f"FREQ=WEEKLY;BYDAY={_weekday_code(other)}", other, until=until),
        ), ()
    if roll < 0.88:  # one-off dates
        dates = []
        for _ in range(rng.randint(1, 4)):
            one = _start(rng) + timedelta(days=rng.randrange(120))
            dates.append(OneOffDate(one, one + timedelta(hours=rng.choice((2, 3, 4)))))
        return (), tuple(sorted(dates, key=lambda d: d.start))
    return (), ()  # ongoing


def _activity(rng: random.Random, number: int, setting: _Setting, shared: Shared) -> Activity:
    """One invented activity; its repeated values shared as :mod:`catalog.parse` shares them."""
    organisation = rng.choice(setting.organisations)
    network_id = rng.choice(organisation.networks)
    network = next(n for n in setting.networks if n.id == network_id)
    kinds = shared.codes(rng.sample(_KINDS, k=rng.choice((1, 1, 1, 2))))
    schedule, dates = _when(rng)
    local = setting.places_by_network.get(network_id, ())
    place = None
    if rng.random() < 0.85 and (local or setting.online):
        pool = setting.online if (rng.random() < 0.07 and setting.online) or not local else local
        place = rng.choice(pool)
    municipality = place.municipality if place and not place.online else network.municipalities[0]
    audience = rng.choice(
        (
            (),
            (),
            ("everyone",),
            ("women",),
            ("families", "children"),
            ("youth",),
            ("men",),
            ("seniors",),
        )
    )
    age = AgeRange(min=rng.choice((None, 6, 12)), max=17) if "youth" in audience else None
    if rng.random() < 0.02:
        audience = (rng.choice(AUDIENCES),)
    return Activity(
        id=ActivityId(f"act-{number:05d}"),
        organisation=organisation.id,
        klass=rng.choice(CLASSES),
        kinds=kinds,
        title=_title(rng, kinds[0], number, municipality),
        description=(
            ("fi", f"Tervetuloa mukaan! Toiminta {number}."),
            ("en", f"Welcome! Activity {number}."),
        )
        if rng.random() < 0.6
        else (),
        audience=audience,
        languages=rng.choice(_SPOKEN) if rng.random() < 0.7 else (),
        finnish_level=rng.choice(FINNISH_LEVELS) if rng.random() < 0.5 else None,
        place=place.id if place else None,
        schedule=schedule,
        dates=dates,
        cost=(("fi", "5 € / kerta"), ("en", "€5 per session")) if rng.random() < 0.15 else (),
        registration=(("fi", "Ilmoittaudu sähköpostilla"),) if rng.random() < 0.3 else (),
        stages=shared.codes(rng.sample(STAGES, k=rng.randint(0, 2))),
        age=age,
    )


def generate_catalogue_model(n_activities: int, seed: int = 0) -> Catalogue:
    """Build a valid catalogue of ``n_activities`` activities; the same seed, the same one."""
    rng = random.Random(seed)
    setting = _setting(rng, n_activities)
    shared = Shared()
    activities = tuple(_activity(rng, number, setting, shared) for number in range(n_activities))
    return Catalogue(TIMEZONE, setting.networks, setting.organisations, setting.places, activities)


def generate_catalogue(n_activities: int, seed: int = 0) -> dict[str, Any]:
    """Return the same catalogue as a raw ``tarjotin/1`` document (plain, JSON-able data)."""
    return catalogue_to_data(generate_catalogue_model(n_activities, seed))
