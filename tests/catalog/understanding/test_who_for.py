"""Who an activity is for, from how people describe them (written for these tests).

A bare number after a child or a parent is an age ("my son is 8", ``ему 15``); an elderly
parent is a senior, not a man or a woman; girls who want a group ask for a women's group for
young people; fathers who want to meet other fathers ask for a men's group.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.understanding import Understander

NOW = datetime(2027, 2, 8, 19, 30, tzinfo=ZoneInfo("Europe/Helsinki"))


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander()


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("my son is 8, anything fun on Saturday?", "children"),
        ("Мой сын, ему 15, хочет играть в футбол.", "youth"),
        ("Poikani on 16 ja haluaa pelata jalkapalloa", "youth"),
        ("Min son är 7, finns det något för honom?", "children"),
        ("mi hijo tiene 6, hay algo para él el sábado?", "children"),
        ("mi hija tiene 15, hay algo de baile?", "youth"),
        ("синові 16, чи є щось спортивне для нього?", "youth"),
        ("dottern är 9, finns det simning?", "children"),
    ],
)
def test_a_number_after_a_child_is_the_age(
    understander: Understander, text: str, audience: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert audience in query.audiences
    assert not query.audiences & ({"children", "youth"} - {audience})


@pytest.mark.parametrize(
    "text",
    [
        "my mother (81) is lonely, is there a club for her?",
        "äidille 78v jotain tekemistä?",
        "моему отцу 75, есть ли что-нибудь для него?",
    ],
)
def test_an_elderly_parent_is_a_senior_not_a_woman_or_a_man(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert "seniors" in query.audiences
    assert not query.audiences & {"women", "men"}


@pytest.mark.parametrize(
    "text",
    [
        "I'm a mother with 2 kids, anything on Saturday?",
        "Onko seniorit-ryhmää 10.3. Espoossa?",
    ],
)
def test_a_count_or_a_date_after_a_person_is_no_age(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert "youth" not in query.audiences


def test_a_count_in_the_background_is_no_age(understander: Understander) -> None:
    text = "I am a mom of 4 kids, we moved to Espoo in 2019. Anything next week in the evening?"
    assert "children" not in understander.understand(text, now=NOW).audiences


@pytest.mark.parametrize(
    "text",
    [
        "my daughter is 15 and wants a group with other girls",
        "tyttäreni on 14 ja etsii tyttöjen ryhmää",
        "дочке 16, есть ли группа для девочек?",
    ],
)
def test_girls_wanting_a_group_ask_for_a_womens_group_for_youth(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.kinds == {"womens_group"}
    assert "youth" in query.audiences


@pytest.mark.parametrize(
    "text",
    [
        "is there a group where dads can meet other dads?",
        "mi esposo busca un grupo de papás",
    ],
)
def test_fathers_meeting_fathers_ask_for_a_mens_group(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert "mens_group" in query.kinds


def test_arabic_kids_are_children_not_men() -> None:
    query = Understander(preload=False).understand(
        "في مساعدة بالواجبات للأولاد؟", now=datetime(2027, 2, 8, 12, 0)
    )
    assert "homework_help" in query.kinds
    assert "men" not in query.audiences


@pytest.mark.parametrize(
    "text",
    [
        "mi madre ya es mayor, ¿hay algún club para ella?",
        "ma mère est âgée, il y a un club pour elle ?",
        "my father is getting old, is there a club for him?",
    ],
)
def test_an_old_parent_is_a_senior(understander: Understander, text: str) -> None:
    assert understander.understand(text, now=NOW).audiences == {"seniors"}


@pytest.mark.parametrize(
    "text",
    ["mi hijo mayor quiere jugar al fútbol", "is the old library open on Sunday?"],
)
def test_older_and_old_alone_name_no_seniors(understander: Understander, text: str) -> None:
    assert "seniors" not in understander.understand(text, now=NOW).audiences


@pytest.mark.parametrize(
    "text",
    [
        "my mother is 78, is there some group for her?",
        "äitini on 80-vuotias, onko hänelle jotain kerhoa?",
        "мама 76 лет, есть ли для неё какой-нибудь клуб?",
        "annem 72 yaşında, ona uygun bir grup var mı?",
    ],
)
def test_an_elderly_mother_with_a_group_is_a_senior_not_a_mother_child_group(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert "mother_child_group" not in query.kinds
    assert "seniors" in query.audiences


@pytest.mark.parametrize(
    "text",
    [
        "any advice service in Arabic? I need to fill in forms for my mother",
        "Tarvitsen neuvontaa lapseni koulusta, onko englanniksi?",
        "Где можно получить консультацию по-русски? Вопрос про садик для ребёнка",
    ],
)
def test_advice_is_for_the_one_who_asks_whoever_the_matter_concerns(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert query.kinds == {"guidance"}
    assert query.audiences == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "my grandmother is 80 and feels lonely, any club for old people?",
        "Isoisä (77) on yksinäinen, onko hänelle jotain?",
        "Бабушке 79, ей очень одиноко. Есть что-нибудь для пожилых?",
        "جدتي عمرها ٨٠ وحيدة، في شي لكبار السن؟",
        "奶奶七十八岁了，很孤独，有适合老人的活动吗？",
    ],
)
def test_a_lonely_elderly_relative_wants_any_seniors_activity(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert "seniors" in query.audiences
    assert not query.kinds  # company: the seniors' club, a walk, a café — no one kind


def test_loneliness_alone_asks_for_activities_and_a_support_group_stays_one(
    understander: Understander,
) -> None:
    lonely = understander.understand("I feel so lonely here", now=NOW)
    assert (lonely.intent, lonely.kinds) == ("activities", frozenset())
    group = understander.understand("a support group for loneliness?", now=NOW)
    assert group.kinds == {"peer_group"}


def test_the_youngest_child_is_no_young_person(understander: Understander) -> None:
    text = "Olen kotona nuorimman kanssa. Onko kielikahvilaa, jossa voisi harjoitella puhumista?"
    query = understander.understand(text, now=NOW)
    assert query.kinds == {"language_club"}
    assert "youth" not in query.audiences
    assert "youth" in understander.understand("Onko nuorille jalkapalloa?", now=NOW).audiences


@pytest.mark.parametrize(
    "text",
    [
        "We have lived in Espoo for 2 years. My son is 14, is there football for him?",
        "2 yıldır Espoo'da yaşıyoruz. Oğlum 14 yaşında, futbol var mı?",
        "Asumme Espoossa 3 vuotta. Poikani on 14, onko hänelle jalkapalloa?",
    ],
)
def test_a_number_in_the_background_is_no_younger_child(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert "youth" in query.audiences
    assert "children" not in query.audiences
