"""End to end: messages in every language, written for these tests (not taken from the eval)."""

import time
from datetime import datetime

import pytest

from catalog.understanding import Understander

NOW = datetime(2026, 11, 23, 10, 0)  # a Monday

# (language of the text, text, intent, kinds, audiences, spoken languages, municipalities)
Case = tuple[str, str, str, set[str], set[str], set[str], tuple[str, ...]]
CASES: list[Case] = [
    ("fi", "Missä on kielikerho?", "activities", {"language_club"}, set(), set(), ()),
    (
        "fi",
        "Pääseekö kielikerhoon ilman ilmoittautumista?",
        "activities",
        {"language_club"},
        set(),
        set(),
        (),
    ),
    ("fi", "Mitä kielikerhossa tehdään?", "activities", {"language_club"}, set(), set(), ()),
    (
        "fi",
        "Onko Espoossa jalkapallovuoroja tytöille?",
        "activities",
        {"sports"},
        {"women", "youth"},
        set(),
        ("Espoo",),
    ),
    ("fi", "Haluaisin naistenryhmään", "activities", {"womens_group"}, set(), set(), ()),
    (
        "fi",
        "Tarvitsen apua oleskelulupahakemuksen kanssa, voiko joku auttaa henkilökohtaisesti?",
        "contact",
        set(),
        set(),
        set(),
        (),
    ),
    ("fi", "Voisinko tulla vapaaehtoiseksi?", "activities", {"volunteering"}, set(), set(), ()),
    (
        "fi",
        "Onko venäjänkielistä neuvontaa Helsingissä?",
        "activities",
        {"guidance"},
        set(),
        {"ru"},
        ("Helsinki",),
    ),
    ("fi", "Kiitos!", "help", set(), set(), set(), ()),
    (
        "fi",
        "Onko ikäihmisille jumppaa Vihdissä?",
        "activities",
        {"sports"},
        {"seniors"},
        set(),
        ("Vihti",),
    ),
    (
        "sv",
        "Finns det läxhjälp för skolbarn i Esbo?",
        "activities",
        {"homework_help"},
        set(),
        set(),
        ("Espoo",),
    ),
    (
        "sv",
        "Jag vill lära mig finska",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    ("sv", "Har ni någon stickklubb?", "activities", {"crafts"}, set(), set(), ()),
    ("sv", "Kan någon ringa mig?", "contact", set(), set(), set(), ()),
    (
        "sv",
        "Vad händer i Kyrkslätt för barnfamiljer?",
        "activities",
        set(),
        {"children", "families"},
        set(),
        ("Kirkkonummi",),
    ),
    ("en", "Where do people go hiking around here?", "activities", {"outdoor"}, set(), set(), ()),
    ("en", "Any choir I could join?", "activities", {"music_culture"}, set(), set(), ()),
    ("en", "Help me find a job", "activities", {"job_search"}, set(), set(), ()),
    ("en", "Is there a book club in English?", "activities", {"language_club"}, set(), {"en"}, ()),
    (
        "en",
        "I'd love to improve my Finnish",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    ("en", "Can someone call me back about my case?", "contact", set(), set(), set(), ()),
    ("en", "how do I use this bot", "help", set(), set(), set(), ()),
    (
        "en",
        "Any footbal for boys in Espoo?",
        "activities",
        {"sports"},
        {"men", "youth"},
        set(),
        ("Espoo",),
    ),
    (
        "en",
        "Anything for mums with babies?",
        "activities",
        {"mother_child_group"},
        set(),
        set(),
        (),
    ),
    (
        "ru",
        "Есть ли кружок рисования для детей?",
        "activities",
        {"crafts"},
        {"children", "families"},
        set(),
        (),
    ),
    (
        "ru",
        "Где можно поиграть в футбол в Вантаа?",
        "activities",
        {"sports"},
        set(),
        set(),
        ("Vantaa",),
    ),
    (
        "ru",
        "Хочу выучить финский язык",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    (
        "ru",
        "Мне нужна помощь с документами, можно поговорить с сотрудником?",
        "contact",
        set(),
        set(),
        set(),
        (),
    ),
    (
        "ru",
        "Какие мероприятия для семей в Хельсинки?",
        "activities",
        set(),
        {"children", "families"},
        set(),
        ("Helsinki",),
    ),
    (
        "uk",
        "Чи є курси фінської мови для дорослих?",
        "activities",
        {"language_course"},
        set(),
        set(),
        (),
    ),
    ("uk", "Шукаю роботу, де допоможуть з резюме?", "activities", {"job_search"}, set(), set(), ()),
    (
        "uk",
        "Чи є група для мам з малюками?",
        "activities",
        {"mother_child_group"},
        set(),
        set(),
        (),
    ),
    ("uk", "Хочу стати волонтеркою", "activities", {"volunteering"}, set(), set(), ()),
    ("uk", "Що є для підлітків в Еспоо?", "activities", set(), {"youth"}, set(), ("Espoo",)),
    (
        "et",
        "Kas lastele on jalgpalli?",
        "activities",
        {"sports"},
        {"children", "families"},
        set(),
        (),
    ),
    (
        "et",
        "Tahan soome keelt õppida",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    ("et", "Kas keegi saab mulle helistada?", "contact", set(), set(), set(), ()),
    (
        "ar",
        "أين يمكنني تعلم اللغة الفنلندية؟",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    (
        "ar",
        "هل توجد دروس سباحة للنساء في هلسنكي؟",
        "activities",
        {"sports"},
        {"women"},
        set(),
        ("Helsinki",),
    ),
    ("ar", "أريد التحدث مع موظف", "contact", set(), set(), set(), ()),
    ("ar", "هل هناك نادي للشباب؟", "activities", set(), {"youth"}, set(), ()),
    (
        "fa",
        "کلاس نقاشی برای بچه\u200cها دارید؟",
        "activities",
        {"crafts"},
        {"children", "families"},
        set(),
        (),
    ),
    (
        "fa",
        "می\u200cخواهم فنلاندی یاد بگیرم",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    (
        "fa",
        "برنامه\u200cای برای سالمندان در اسپو هست؟",
        "activities",
        set(),
        {"seniors"},
        set(),
        ("Espoo",),
    ),
    (
        "so",
        "Ma jiraa kubadda cagta carruurta?",
        "activities",
        {"sports"},
        {"children", "families"},
        set(),
        (),
    ),
    (
        "so",
        "Waxaan rabaa inaan barto af-Finnish",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    (
        "tr",
        "Çocuklar için yüzme kursu var mı?",
        "activities",
        {"sports"},
        {"children", "families"},
        set(),
        (),
    ),
    (
        "tr",
        "Fince öğrenmek istiyorum",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    (
        "tr",
        "Espoo'da kadınlar için bir şey var mı?",
        "activities",
        set(),
        {"women"},
        set(),
        ("Espoo",),
    ),
    ("zh", "有适合老年人的活动吗？", "activities", set(), {"seniors"}, set(), ()),
    ("zh", "赫尔辛基有足球吗？", "activities", {"sports"}, set(), set(), ("Helsinki",)),
    ("zh", "我想学芬兰语", "activities", {"language_club", "language_course"}, set(), set(), ()),
    ("zh", "我想做义工", "activities", {"volunteering"}, set(), set(), ()),
    (
        "es",
        "¿Hay clases de baile para niñas?",
        "activities",
        {"music_culture", "sports"},
        {"children", "families"},
        set(),
        (),
    ),
    (
        "es",
        "Quiero aprender finlandés",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    ("es", "¿Puede alguien llamarme?", "contact", set(), set(), set(), ()),
    (
        "fr",
        "Y a-t-il de la couture pour les femmes ?",
        "activities",
        {"crafts"},
        {"women"},
        set(),
        (),
    ),
    (
        "fr",
        "Je veux apprendre le finnois",
        "activities",
        {"language_club", "language_course"},
        set(),
        set(),
        (),
    ),
    (
        "fr",
        "Je voudrais devenir bénévole à Helsinki",
        "activities",
        {"volunteering"},
        set(),
        set(),
        ("Helsinki",),
    ),
    ("fi", "Onko teille mahdollista soittaa minulle huomenna?", "contact", set(), set(), set(), ()),
    (
        "fi",
        "Haluaisin liittyä urheiluseuraan jäseneksi",
        "activities",
        {"sports"},
        set(),
        set(),
        (),
    ),
    (
        "fi",
        "Etsin töitä, voiko joku auttaa CV:n kanssa?",
        "activities",
        {"job_search"},
        set(),
        set(),
        (),
    ),
    ("sv", "Finns det simning för kvinnor?", "activities", {"sports"}, {"women"}, set(), ()),
    ("sv", "Hur fungerar det här?", "help", set(), set(), set(), ()),
    ("en", "Are there cooking classes in Arabic?", "activities", {"cooking"}, set(), {"ar"}, ()),
    (
        "en",
        "Is there a support group for lonely seniors?",
        "activities",
        {"peer_group"},
        {"seniors"},
        set(),
        (),
    ),
    ("en", "I need help with Kela forms", "activities", {"guidance"}, set(), set(), ()),
    (
        "en",
        "Who is the integration coordinator in Espoo?",
        "contact",
        set(),
        set(),
        set(),
        ("Espoo",),
    ),
    ("ru", "Есть ли вязание или шитьё для женщин?", "activities", {"crafts"}, {"women"}, set(), ()),
    (
        "ru",
        "Куда пойти с ребенком в субботу?",
        "activities",
        set(),
        {"children", "families"},
        set(),
        (),
    ),
    ("ru", "Ищу работу, помогите составить резюме", "activities", {"job_search"}, set(), set(), ()),
    ("uk", "Чи є хор для українців?", "activities", {"music_culture"}, set(), set(), ()),
    ("uk", "Потрібна консультація щодо житла", "activities", {"guidance"}, set(), set(), ()),
    ("et", "Kas on mõni naisterühm?", "activities", {"womens_group"}, set(), set(), ()),
    ("et", "Kus saab arvutikasutust õppida?", "activities", {"digital_skills"}, set(), set(), ()),
    ("ar", "هل هناك رحلات إلى الطبيعة؟", "activities", {"outdoor", "recreation"}, set(), set(), ()),
    (
        "ar",
        "أبحث عن عمل، هل يمكنكم مساعدتي في السيرة الذاتية؟",
        "activities",
        {"job_search"},
        set(),
        set(),
        (),
    ),
    (
        "ar",
        "هل يوجد نادي كرة قدم للأطفال؟",
        "activities",
        {"sports"},
        {"children", "families"},
        set(),
        (),
    ),
    ("fa", "جایی برای یادگیری کامپیوتر هست؟", "activities", {"digital_skills"}, set(), set(), ()),
    ("fa", "برای زنان کلاس خیاطی هست؟", "activities", {"crafts"}, {"women"}, set(), ()),
    ("fa", "می\u200cخواهم با یک نفر درباره وضعیتم صحبت کنم", "contact", set(), set(), set(), ()),
    ("so", "Ma jiraa koox haween oo keliya?", "activities", {"womens_group"}, set(), set(), ()),
    ("so", "Waxaan raadinayaa shaqo", "activities", {"job_search"}, set(), set(), ()),
    (
        "so",
        "Ma jiraa barnaamij waayeelka loogu talagalay?",
        "activities",
        set(),
        {"seniors"},
        set(),
        (),
    ),
    (
        "tr",
        "Yaşlılar için bilgisayar kursu var mı?",
        "activities",
        {"digital_skills"},
        {"seniors"},
        set(),
        (),
    ),
    ("tr", "Ev bulmak için danışmanlık var mı?", "activities", {"guidance"}, set(), set(), ()),
    ("tr", "Gençler için futbol takımı var mı?", "activities", {"sports"}, {"youth"}, set(), ()),
    ("zh", "有没有妇女小组？", "activities", {"womens_group"}, set(), set(), ()),
    (
        "zh",
        "周六有给孩子的手工活动吗？",
        "activities",
        {"crafts"},
        {"children", "families"},
        set(),
        (),
    ),
    ("zh", "我想找个人聊聊我的情况", "contact", set(), set(), set(), ()),
    (
        "es",
        "¿Hay grupos de apoyo para padres?",
        "activities",
        {"peer_group"},
        {"children", "families"},
        set(),
        (),
    ),
    (
        "es",
        "¿Dónde puedo aprender a usar el ordenador?",
        "activities",
        {"digital_skills"},
        set(),
        set(),
        (),
    ),
    (
        "fr",
        "Y a-t-il un club de foot pour les ados ?",
        "activities",
        {"sports"},
        {"youth"},
        set(),
        (),
    ),
    (
        "fr",
        "Je cherche du travail, qui peut m'aider avec mon CV ?",
        "activities",
        {"job_search"},
        set(),
        set(),
        (),
    ),
    ("fr", "Comment ça marche ?", "help", set(), set(), set(), ()),
]


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander(["Testikylä"])


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_messages_are_understood(understander: Understander, case: Case) -> None:
    language, text, intent, kinds, audiences, spoken, places = case
    query = understander.understand(text, now=NOW)
    assert query.language == language
    assert query.language_detected
    assert query.intent == intent
    assert query.kinds == kinds
    assert query.audiences == audiences
    assert query.spoken_languages == spoken
    assert query.municipalities == places


def test_time_words_give_a_window(understander: Understander) -> None:
    query = understander.understand("Onko kielikerho huomenna?", now=NOW)
    assert query.window is not None
    assert query.window.start == query.window.end == NOW.date().replace(day=24)
    assert query.intent == "activities"


def test_a_time_alone_asks_for_activities(understander: Understander) -> None:
    assert understander.understand("¿Y el sábado?", now=NOW).intent == "activities"


@pytest.mark.parametrize(
    ("saved", "hint", "language"),
    [
        ("sv", "en", "sv"),
        (None, "uk-UA", "uk"),
        (None, None, "en"),
        ("fi-x-plain", "en", "fi-x-plain"),
    ],
)
def test_an_undetectable_text_falls_back_to_saved_then_hint_then_english(
    understander: Understander, saved: str | None, hint: str | None, language: str
) -> None:
    query = understander.understand("ok", now=NOW, saved_language=saved, platform_hint=hint)
    assert (query.language, query.language_detected) == (language, False)


def test_the_written_language_wins_over_the_saved_one(understander: Understander) -> None:
    query = understander.understand("Onko tänään jotain?", now=NOW, saved_language="en")
    assert (query.language, query.language_detected) == ("fi", True)


def test_plain_finnish_users_get_plain_finnish(understander: Understander) -> None:
    query = understander.understand("Onko tänään jotain?", now=NOW, saved_language="fi-x-plain")
    assert query.language == "fi-x-plain"


def test_undetected_short_text_is_still_read_with_the_fallback_language(
    understander: Understander,
) -> None:
    query = understander.understand("sport?", now=NOW, saved_language="sv")
    assert query.language == "sv"
    assert query.kinds == {"sports"}


def test_leftover_words_become_search_terms(understander: Understander) -> None:
    query = understander.understand("Is there a bicycle repair workshop on Friday?", now=NOW)
    assert "repair" in query.terms
    assert "workshop" in query.terms
    assert "friday" not in query.terms
    assert "there" not in query.terms


def test_chinese_leftovers_are_character_runs(understander: Understander) -> None:
    query = understander.understand("有没有自行车修理活动？", now=NOW)
    assert any("修理" in term for term in query.terms)
    assert "活动" not in query.terms


def test_catalogue_municipalities_are_understood_inflected(understander: Understander) -> None:
    query = understander.understand("Mitä Testikylässä tapahtuu?", now=NOW)
    assert query.municipalities == ("Testikylä",)


def test_a_message_takes_about_a_millisecond(understander: Understander) -> None:
    texts = [case[1] for case in CASES]
    for text in texts:  # warm the caches
        understander.understand(text, now=NOW)
    start = time.perf_counter()
    for text in texts:
        understander.understand(text, now=NOW)
    per_message = (time.perf_counter() - start) / len(texts)
    assert per_message < 0.005


def test_another_readings_hits_keep_their_place_among_the_messages_own_tokens() -> None:
    """Arabizi read as English has more words ("3", "ira", "2" for one "ʕiraʔ")."""
    from catalog.understanding import placed_among
    from catalog.understanding.lexicon import Hit

    first, middle, last = (Hit("kind.x", ((i, 0, 2),)) for i in (0, 30, 67))
    placed = placed_among([first, middle, last], their_tokens=68, our_tokens=49)
    assert [sorted(hit.tokens) for hit in placed] == [[0], [21], [48]]  # 30 of 67 is 21.5 of 48
    assert placed_among([middle], their_tokens=49, our_tokens=49) == [middle]


@pytest.mark.parametrize("saved", [None, "en", "ar", "fi", "so"])
def test_a_long_chat_spelling_message_is_read_whatever_the_saved_language(
    saved: str | None,
) -> None:
    text = (
        "ahlan, ana bsakin b Espoo min 3 sneen ma3 mrati w wladi, kont 2a3mal mo7aseb bas hon "
        "ma la2eit shughl lahalla2 w el 2ejar 3am yzeed. badi mosa3ade b el CV w tadreeb 3ala "
        "el mo2abale, fi shi hek b el 3arabi?"
    )
    query = Understander(preload=False).understand(text, now=NOW, saved_language=saved)
    assert query.intent == "activities"
    assert "job_search" in query.kinds
