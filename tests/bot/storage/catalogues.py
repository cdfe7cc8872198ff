"""Hand-built catalogues for the storage tests: one that uses every optional field."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

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
)


def full_activity(activity_id: str = "kielikahvila") -> Activity:
    """Build an activity with every optional field set, languages in a non-alphabetical order."""
    return Activity(
        id=ActivityId(activity_id),
        organisation=OrganisationId("seurakunta"),
        klass="support",
        kinds=("language_club", "international_club"),
        title=(("sv", "Språkcafé"), ("fi", "Kielikahvila"), ("ar", "مقهى اللغة")),
        description=(("fi", "Puhutaan suomea kahvin äärellä."), ("en", "Speak Finnish.")),
        audience=("women", "families"),
        languages=("fi", "en", "uk"),
        finnish_level="beginner",
        place=PlaceId("kirjasto"),
        schedule=(
            ScheduleRule(
                rrule="FREQ=WEEKLY;BYDAY=TU",
                start=datetime(2026, 8, 18, 17, 0),
                end=time(18, 30),
                until=date(2026, 12, 15),
                exceptions=(date(2026, 12, 8), date(2026, 10, 20)),
            ),
            ScheduleRule(
                rrule="FREQ=MONTHLY;BYDAY=1SA",
                start=datetime(2026, 9, 5, 23, 0),
                duration=timedelta(hours=2, minutes=15),
            ),
        ),
        dates=(
            OneOffDate(datetime(2026, 11, 1, 10, 0), datetime(2026, 11, 1, 14, 30)),
            OneOffDate(datetime(2026, 10, 3, 9, 0), datetime(2026, 10, 4, 1, 0)),
        ),
        cost=(("fi", "5 € / kerta"),),
        registration=(("en", "Sign up by e-mail."), ("fi", "Ilmoittaudu sähköpostilla.")),
        contact=Contact(
            name=(("fi", "Anna"), ("en", "Anna")),
            email="anna@example.fi",
            phone="+358 40 000 0000",
            url="https://example.fi/kahvila",
        ),
        stages=("arrival", "settling"),
        age=AgeRange(min=16, max=99),
    )


def minimal_activity(activity_id: str, organisation: str = "yhdistys") -> Activity:
    """Build an activity with only the required fields."""
    return Activity(
        id=ActivityId(activity_id),
        organisation=OrganisationId(organisation),
        klass="participation",
        kinds=("friend_activity",),
        title=(("fi", f"Toiminta {activity_id}"),),
    )


def full_catalogue() -> Catalogue:
    """Build two of each record type, covering every optional field."""
    return Catalogue(
        timezone="Europe/Helsinki",
        networks=(
            Network(
                id=NetworkId("nurmijarvi"),
                name=(("fi", "Nurmijärven verkosto"), ("en", "Nurmijärvi network")),
                municipalities=("Nurmijärvi",),
                coordinator=Coordinator(
                    email="koordinaattori@example.fi",
                    name=(("fi", "Koordinaattori"),),
                    phone="+358 40 000 1001",
                ),
                languages=("fi", "en", "ar"),
            ),
            Network(
                id=NetworkId("hameenlinna"),
                name=(("fi", "Hämeenlinnan seutu"),),
                municipalities=("Hämeenlinna", "Janakkala", "Hattula"),
                coordinator=Coordinator(email="seutu@example.fi"),
            ),
        ),
        organisations=(
            Organisation(
                id=OrganisationId("seurakunta"),
                name=(("fi", "Seurakunta"), ("sv", "Församling")),
                kind="parish",
                level="local",
                networks=(NetworkId("nurmijarvi"), NetworkId("hameenlinna")),
                contact=Contact(
                    name=(("fi", "Toimisto"),),
                    email="info@example.fi",
                    phone="+358 40 000 1030",
                    url="https://example.fi",
                ),
            ),
            Organisation(
                id=OrganisationId("yhdistys"),
                name=(("fi", "Yhdistys ry"),),
                kind="association",
                level="regional",
                networks=(NetworkId("hameenlinna"),),
            ),
        ),
        places=(
            Place(
                id=PlaceId("kirjasto"),
                name=(("fi", "Pääkirjasto"), ("en", "Main library")),
                municipality="Nurmijärvi",
                address="Keskustie 1",
                geo=(60.464123456789, 24.807987654321),
                url="https://example.fi/kirjasto",
                accessibility=(("fi", "Esteetön sisäänkäynti"),),
            ),
            Place(
                id=PlaceId("verkossa"),
                name=(("fi", "Verkossa"),),
                municipality="Hämeenlinna",
                online=True,
                url="https://meet.example.fi/abc",
            ),
        ),
        activities=(
            full_activity(),
            minimal_activity("ystavatoiminta"),
            # Present-but-empty values, which must not come back as absent ones.
            Activity(
                id=ActivityId("tyhjat"),
                organisation=OrganisationId("yhdistys"),
                klass="recruitment",
                kinds=("sports",),
                title=(("fi", "Tyhjät"),),
                place=PlaceId("verkossa"),
                contact=Contact(),
                age=AgeRange(),
            ),
            Activity(
                id=ActivityId("lapset"),
                organisation=OrganisationId("seurakunta"),
                klass="support",
                kinds=("family_activity",),
                title=(("fi", "Lapsiparkki"),),
                age=AgeRange(max=12),
                contact=Contact(email="lapset@example.fi"),
                dates=(OneOffDate(datetime(2026, 9, 1, 9, 0), datetime(2026, 9, 1, 11, 0)),),
            ),
        ),
    )
