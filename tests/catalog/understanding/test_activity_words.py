"""Activity words people use beside the catalogue's own (written for these tests)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.understanding import Understander

NOW = datetime(2027, 2, 8, 19, 30, tzinfo=ZoneInfo("Europe/Helsinki"))


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("is there a job fair this spring?", "job_search"),
        ("Onko työmessuja tulossa?", "job_search"),
        ("Finns det någon jobbmässa i mars?", "job_search"),
        ("Когда будет ярмарка вакансий?", "job_search"),
        ("هل يوجد معرض توظيف قريبا؟", "job_search"),
        ("下个月有招聘会吗", "job_search"),
        ("¿Hay alguna feria de empleo?", "job_search"),
        ("Y a-t-il un salon de l'emploi ?", "job_search"),
        ("kariyer fuarı var mı?", "job_search"),
        ("my kid loves to draw, any art club?", "crafts"),
        ("بنتي بدها تلعب كوره، في فريق؟", "sports"),
        ("Tyttö tykkää piirtelystä, onko kuvataidekerhoa?", "crafts"),
        ("Мой сын любит рисунок, есть изостудия?", "crafts"),
        ("有没有英语角？", "language_club"),
        ("星期三有汉语角吗", "language_club"),
        ("kas kolmapäeval on keele klubi?", "language_club"),
        ("onks kieli kahvila auki?", "language_club"),
        ("any group for dads?", "mens_group"),
        ("Onko isien ryhmää?", "mens_group"),
        ("Есть ли группа для пап?", "mens_group"),
        ("babalar kulübü var mı?", "mens_group"),
        ("any christmas market next weekend?", "recreation"),
        ("Onko joulumarkkinoita tai myyjäisiä lauantaina?", "recreation"),
        ("Y aura-t-il un marché de Noël en ville ?", "recreation"),
        ("Будет ли рождественская ярмарка?", "recreation"),
        ("有圣诞集市吗", "recreation"),
    ],
)
def test_other_words_name_the_kind(understander: Understander, text: str, kind: str) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert kind in query.kinds


def test_a_homophone_typo_of_the_chinese_word_for_language(understander: Understander) -> None:
    query = understander.understand("有没有芬兰与课程？", now=NOW)
    assert "language_course" in query.kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("can my wife bring our baby to the äitiryhmä on thursday?", "mother_child_group"),
        ("hay perhekahvila el viernes?", "family_activity"),
        ("y a-t-il une kielikahvila demain ?", "language_club"),
    ],
)
def test_a_finnish_activity_word_inside_another_language(text: str, kind: str) -> None:
    query = Understander(preload=False).understand(text, now=datetime(2027, 2, 8, 12, 0))
    assert kind in query.kinds
    assert query.language != "fi"


def test_a_somali_word_spelt_like_a_finnish_one_is_no_activity() -> None:
    query = Understander(preload=False).understand(
        "Maalintii guriga ayaan joogaa. Ma jiraa koox haween ah?", now=datetime(2027, 2, 8, 12, 0)
    )
    assert "sports" not in query.kinds


@pytest.mark.parametrize(
    ("text", "language", "kind"),
    [
        ("cumartesi futbol varmi acba", "tr", "sports"),
        ("waxaan doonayaa inaan noqdo foluntiir", "so", "volunteering"),
        ("周末我想去当志願者", "zh", "volunteering"),
    ],
)
def test_words_as_people_type_them(text: str, language: str, kind: str) -> None:
    """Turkish without its letters and run together, a loanword by ear, a traditional form."""
    query = Understander(preload=False).understand(text, now=datetime(2027, 2, 8, 12, 0))
    assert query.language == language
    assert kind in query.kinds


@pytest.mark.parametrize(
    "text",
    [
        "does my son have somewhere to play guitar?",
        "onko tyttärelle pianotunteja?",
        "我儿子想学吉他",
    ],
)
def test_an_instrument_is_music(text: str) -> None:
    query = Understander(preload=False).understand(text, now=datetime(2027, 2, 8, 12, 0))
    assert "music_culture" in query.kinds


@pytest.mark.parametrize(
    "text",
    [
        "Can I still sign up in a Finnish course this spring?",
        "Je voudrais m'inscrire en cours de finnois",
        "Estoy interesada en clases de finés",
        "Хочу записаться на курсы финского",
    ],
)
def test_a_course_of_a_language_is_no_language_spoken(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.kinds == {"language_course"}
    assert not query.spoken_languages


@pytest.mark.parametrize(
    ("text", "language"),
    [("any club in Finnish?", "fi"), ("un club en español", "es"), ("клуб на русском языке", "ru")],
)
def test_the_language_spoken_stands_together(
    understander: Understander, text: str, language: str
) -> None:
    assert understander.understand(text, now=NOW).spoken_languages == {language}


@pytest.mark.parametrize(
    "text",
    [
        "Where can I get advice on looking for a job?",
        "Mistä saa neuvontaa työnhakuun?",
        "Var får man råd om jobbsökning?",
        "Где можно получить консультацию по поиску работы?",
        "¿Hay asesoría para buscar empleo?",
    ],
)
def test_advice_on_finding_work_is_the_job_search_service(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert query.kinds == {"job_search"}


@pytest.mark.parametrize(
    "text",
    [
        "I'd love someone to meet up with regularly, I'm new and alone",
        "Voisiko joku tavata säännöllisesti? Olen yksin täällä",
        "Есть кто-то, с кем можно встречаться регулярно?",
        "能不能有人定期和我见面？",
        "Busco alguien con quien quedar, no conozco a nadie",
    ],
)
def test_someone_to_meet_regularly_is_friend_activity(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert query.kinds == {"friend_activity"}


@pytest.mark.parametrize(
    "text",
    [
        "My wife is lonely. Is there a women's group where she could make friends?",
        "Onko naisten ryhmää, jossa voisi saada ystäviä?",
        "Есть ли женская группа, где можно найти друзей?",
    ],
)
def test_making_friends_is_what_a_womens_group_is_for(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.kinds == {"womens_group"}
    assert "friend_activity" not in query.kinds


def test_a_support_group_for_women_is_still_that_kind_for_women(
    understander: Understander,
) -> None:
    query = understander.understand("is there a women's football group?", now=NOW)
    assert query.kinds == {"sports"}
    assert query.audiences == {"women"}


def test_arabic_grown_ups_are_no_seniors_and_colloquial_football_is_sport(
    understander: Understander,
) -> None:
    adults = understander.understand("في سباحه للكبار؟", now=NOW)
    assert adults.kinds == {"sports"}
    assert "seniors" not in adults.audiences
    assert "seniors" in understander.understand("نشاط لكبار السن؟", now=NOW).audiences
    assert understander.understand("بنتي بدها تلعب فوتبول", now=NOW).kinds == {"sports"}


def test_somali_help_with_lessons_is_homework_help(understander: Understander) -> None:
    query = understander.understand("gabadhayda ma jiraa caawin casharrada?", now=NOW)
    assert query.intent == "activities"
    assert query.kinds == {"homework_help"}
