"""Long chat messages and personal matters, written for these tests (not taken from the eval).

Background about the person (when they moved, their work, where they live) shapes who the
question is for at most, never what, when or where it asks about; a personal matter wants a
person even beside an activity word; asking whether the bot is a person is a question for help.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.understanding import Understander
from catalog.understanding.clauses import split_clauses

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2027, 2, 8, 19, 30, tzinfo=HELSINKI)  # a Monday evening in February
THURSDAY = date(2027, 2, 11)
SATURDAY = date(2027, 2, 13)


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander()


def test_clauses_split_at_sentences_commas_and_line_breaks_not_inside_numbers() -> None:
    text = "Hei! Muutimme 18.12. Espooseen, klo 18.30 sopii.\nOnko jotain?"
    clauses = split_clauses(text)
    pieces = [text[c.start : c.end].strip() for c in clauses]
    assert pieces == ["Hei!", "Muutimme 18.12. Espooseen,", "klo 18.30 sopii.", "Onko jotain?"]
    assert [c.question for c in clauses] == [False, False, False, True]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("We moved to Espoo in October. Is there a language club on Thursday?", THURSDAY),
        ("Muutimme tänne syyskuussa miehen työn takia. Onko torstaina kielikahvilaa?", THURSDAY),
        ("Vi flyttade hit i augusti. Finns det ett språkcafé på torsdag?", THURSDAY),
        ("Мы переехали сюда в августе. Есть ли языковое кафе в четверг?", THURSDAY),
        ("Llegamos en septiembre. ¿Hay algún club de idiomas el jueves?", THURSDAY),
    ],
)
def test_when_they_moved_is_no_window(understander: Understander, text: str, day: date) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert query.window is not None
    assert (query.window.start, query.window.end) == (day, day)
    assert query.kinds == {"language_club"}


def test_a_month_told_as_background_alone_gives_no_window(understander: Understander) -> None:
    text = (
        "Hi, we arrived from Lagos in November and my husband works long days. Any women's group?"
    )
    query = understander.understand(text, now=NOW)
    assert query.window is None
    assert query.kinds == {"womens_group"}
    assert "men" not in query.audiences, "a husband mentioned is no audience"


def test_work_told_as_background_is_no_kind(understander: Understander) -> None:
    query = understander.understand(
        "Mi marido trabaja todo el día y yo estoy sola en casa. ¿Qué hay el sábado?", now=NOW
    )
    assert "job_search" not in query.kinds
    assert query.window is not None
    assert query.window.start == SATURDAY


def test_where_one_lives_yields_to_the_place_asked_about(understander: Understander) -> None:
    query = understander.understand(
        "Asun Nurmijärvellä, mutta olen lauantaina Espoossa. Onko siellä jotain lapsille?",
        now=NOW,
    )
    assert query.municipalities == ("Espoo",)
    assert query.window is not None
    assert query.window.start == SATURDAY


def test_a_place_named_only_in_background_still_counts(understander: Understander) -> None:
    query = understander.understand(
        "My sister lives in Hattula and I visit her on Saturday. Anything for kids there?", now=NOW
    )
    assert query.municipalities == ("Hattula",)


@pytest.mark.parametrize(
    "text",
    [
        "Jag bodde först i Vasa, nu har vi flyttat till Esbo. Finns det en kör?",
        "Asuin ensin Turussa ja nyt muutimme Espooseen. Onko kuoroa?",
    ],
)
def test_the_towns_of_the_story_are_not_asked_about(understander: Understander, text: str) -> None:
    """A question in a sentence of its own, pointing at no place, asks about the user's own area.

    (English keeps them: its "is there" cannot be told from the "there" that points back.)
    """
    query = understander.understand(text, now=NOW)
    assert query.municipalities == ()
    assert "music_culture" in query.kinds


def test_a_stated_child_age_is_no_womens_or_mens_audience(understander: Understander) -> None:
    query = understander.understand("Is there something for my 5-year-old daughter?", now=NOW)
    assert query.audiences == {"children", "families"}


def test_a_time_word_is_not_read_again_as_a_kind(understander: Understander) -> None:
    query = understander.understand("Qu'est-ce qu'il y a jeudi en soirée ?", now=NOW)
    assert query.kinds == frozenset()
    assert query.clock is not None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "My landlord won't give back my deposit, who can help me?"),
        ("fi", "Naapuri häiritsee meitä joka ilta, voinko puhua jonkun kanssa?"),
        ("sv", "Min arbetsgivare har inte betalat lönen på två månader."),
        ("fr", "Mon fils est harcelé au club de foot, je voudrais parler à quelqu'un."),
        ("tr", "Ev sahibim depozitomu geri vermiyor, ne yapmalıyım?"),
        ("ru", "Меня уволили с работы, хочу поговорить с кем-нибудь."),
    ],
)
def test_a_personal_matter_wants_a_person(
    understander: Understander, language: str, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert (query.language, query.intent) == (language, "contact")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "are you a bot or a real human?"),
        ("fi", "Oletko botti vai oikea ihminen?"),
        ("ru", "вы робот или живой человек?"),
        ("es", "¿Eres un robot o una persona real?"),
        ("zh", "你是机器人还是真人？"),
    ],
)
def test_asking_whether_it_is_a_bot_is_help(
    understander: Understander, language: str, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert (query.language, query.intent) == (language, "help")


def test_wanting_a_person_instead_of_the_bot_is_contact(understander: Understander) -> None:
    query = understander.understand("I don't want a bot, I want to talk to a real person", now=NOW)
    assert query.intent == "contact"


def test_a_volunteer_friend_for_oneself_is_friend_activity(understander: Understander) -> None:
    query = understander.understand("I'd like a volunteer friend to chat with", now=NOW)
    assert query.kinds == {"friend_activity"}
    assert query.classes == frozenset()


def test_a_long_message_is_read_to_its_end(understander: Understander) -> None:
    background = "Hello, we came here last year and I am still learning everything. " * 12
    text = background + "Is there a language club on Thursday?"
    assert len(text) > 800
    query = understander.understand(text, now=NOW)
    assert query.kinds == {"language_club"}
    assert query.window is not None
    assert query.window.start == THURSDAY


# --- the request inside a long message (wave 3) -------------------------------------------


def test_a_contrast_word_starts_a_clause_of_the_same_sentence() -> None:
    from catalog.understanding.lexicon import load_lexicon

    breaks = load_lexicon("en").clause_breaks
    text = "I stay in Hattula but on Friday I visit Espoo. Anything for kids?"
    clauses = split_clauses(text, breaks)
    pieces = [text[c.start : c.end].strip() for c in clauses]
    assert pieces == ["I stay in Hattula", "but on Friday I visit Espoo.", "Anything for kids?"]
    assert [c.sentence for c in clauses] == [0, 0, 1]
    assert clauses[0].part != clauses[1].part
    assert [c.question for c in clauses] == [False, False, True]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        (
            "We live in Nurmijärvi but on Saturday we are in Espoo with the kids, anything there?",
            "Espoo",
        ),
        ("Bor i Nurmijärvi men på lördag är vi i Esbo, finns det något för barn där?", "Espoo"),
        ("Живём в Нурмиярви, но в субботу будем в Эспоо. Что там есть для детей?", "Espoo"),
        ("Nurmijärvi'de yaşıyoruz ama cumartesi Espoo'dayız, orada çocuklar için ne var?", "Espoo"),
    ],
)
def test_the_day_after_but_survives_the_background_before_it(
    understander: Understander, text: str, place: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.window is not None
    assert query.window.start == SATURDAY
    assert query.municipalities == (place,)


@pytest.mark.parametrize(
    "text",
    [
        "Olen töissä siivoojana, iltaisin vapaa. Haluaisin vapaaehtoiseksi. "
        "Mihin voin ottaa yhteyttä?",
        "I'm working in a warehouse, free in the evenings. I'd like to volunteer. Who do I ask?",
        "Работаю уборщицей, по вечерам свободна. Хочу стать волонтёром. Куда обратиться?",
    ],
)
def test_the_rest_of_a_background_sentence_gives_no_time(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert "volunteering" in query.kinds
    assert query.clock is None


@pytest.mark.parametrize(
    "text",
    [
        "Hello! I'm a cook and still looking for work, my Finnish is weak. "
        "Are there Finnish courses in the evening next week?",
        "Hei! Olen kokki ja etsin töitä, suomi on vielä heikkoa. "
        "Onko ensi viikolla iltaisin suomen kursseja?",
        "Hola, soy cocinera y busco trabajo, mi finés es flojo. "
        "¿Hay cursos de finés por la tarde la semana que viene?",
    ],
)
def test_the_question_decides_what_is_asked_for(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert query.kinds == {"language_course"}


@pytest.mark.parametrize(
    "text",
    [
        "I want to learn Finnish so that I can find a job. What is on in the evenings?",
        "Haluan oppia suomea, jotta saisin töitä. Mitä on illalla tarjolla?",
        "Quiero aprender finés para encontrar trabajo. ¿Qué hay por las tardes?",
    ],
)
def test_work_is_the_reason_for_learning_not_a_second_kind(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert "job_search" not in query.kinds
    assert query.kinds & {"language_course", "language_club"}


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to practise speaking with real people. Is there a language café on Thursday?",
        "Haluaisin harjoitella puhumista oikeiden ihmisten kanssa. Onko torstaina kielikahvilaa?",
    ],
)
def test_real_people_to_practise_with_are_not_a_wish_for_staff(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert "language_club" in query.kinds


@pytest.mark.parametrize(
    "text",
    [
        "I'm a mother of four children and we moved to Espoo last year. "
        "Where do women meet on Thursday?",
        "Olen neljän lapsen äiti ja muutimme Espooseen viime vuonna. "
        "Missä naiset tapaavat torstaina?",
    ],
)
def test_children_in_the_background_are_no_audience(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert "children" not in query.audiences
    assert query.audiences & {"women"} or "womens_group" in query.kinds


@pytest.mark.parametrize(
    "text",
    [
        "We got a letter saying our benefit stops next month and we have no idea why. My friend "
        "told me about the homework club, but that does not help now. Can I talk to someone?",
        "Kävin ennen perhekerhossa, mutta nyt meillä on isompi ongelma asunnon kanssa. "
        "Voisinko puhua jonkun ihmisen kanssa?",
    ],
)
def test_a_question_for_a_person_leaves_the_activities_of_the_story_behind(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, now=NOW).intent == "contact"


def test_asking_whom_to_contact_about_volunteering_still_asks_to_volunteer(
    understander: Understander,
) -> None:
    query = understander.understand(
        "I'd love to volunteer with children. Who should I contact?", now=NOW
    )
    assert query.intent == "activities"
    assert "volunteering" in query.kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hola, me llamo Lucía y tengo dos hijos. ¿Hay algo de fútbol el sábado?", "sports"),
        ("Salut, je m'appelle Karim. Il y a un atelier de couture bientôt ?", "crafts"),
    ],
)
def test_telling_ones_name_is_no_wish_to_be_called(
    understander: Understander, text: str, kind: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert kind in query.kinds


def test_asking_what_one_can_ask_is_help_not_crafts(understander: Understander) -> None:
    """Spanish "cosas" (things) shares its stem with "coser" (to sew)."""
    assert understander.understand("¿qué cosas te puedo preguntar?", now=NOW).intent == "help"


@pytest.mark.parametrize(
    ("text", "kind", "day"),
    [
        ("we came here in november any language cafe on thursday", "language_club", THURSDAY),
        ("asun Klaukkalassa onko futista lauantaina", "sports", SATURDAY),
        ("je suis arrivée en octobre est-ce qu'il y a du foot samedi", "sports", SATURDAY),
        ("мы переехали в декабре есть ли футбол в субботу", "sports", SATURDAY),
        ("мы приехали в ноябре есть какой-нибудь футбол в субботу", "sports", SATURDAY),
        ("kasımda taşındık cumartesi futbol var mı", "sports", SATURDAY),
        ("我们十月搬来的 星期六有足球吗", "sports", SATURDAY),
    ],
)
def test_an_unpunctuated_message_asks_after_its_background(
    understander: Understander, text: str, kind: str, day: date
) -> None:
    """A question word starts a new clause even without a comma or a full stop."""
    query = understander.understand(text, now=NOW)
    assert kind in query.kinds
    assert query.window is not None
    assert (query.window.start, query.window.end) == (day, day)


@pytest.mark.parametrize(
    "text",
    [
        "Hei! Kävin syksyllä suomen kurssin ja nyt haluaisin tutustua muihin. "
        "Onko jotain naisten juttua torstaina?",
        "Hi! I did a Finnish course last spring, so I know a little. "
        "Is there something for women on Thursday?",
        "Привет! Я закончила курсы финского в прошлом году. Есть ли что-то для женщин в четверг?",
    ],
)
def test_a_course_one_attended_is_background(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert "language_course" not in query.kinds
    assert "women" in query.audiences or "womens_group" in query.kinds
    assert query.window is not None
    assert query.window.start == THURSDAY


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Hello! I'm from Syria, my Finnish is still weak and my English is ok. "
         "Is there a club for seniors in Arabic?", {"ar"}),
        ("Hei, puhun kotona daria ja vähän suomea. Onko naisille jotain kerhoa?", set()),
    ],
)
def test_the_languages_one_speaks_before_the_question_are_no_filter(
    understander: Understander, text: str, spoken: set[str]
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert set(query.spoken_languages) == spoken
    assert not query.kinds & {"language_course", "language_club"}


def test_nobody_to_talk_to_in_the_story_asks_for_no_person(understander: Understander) -> None:
    query = understander.understand(
        "We moved here in May. I have nobody to talk to during the day. "
        "Is there a group for mothers with small children?",
        now=NOW,
    )
    assert query.intent == "activities"
    assert "mother_child_group" in query.kinds


@pytest.mark.parametrize(
    "text",
    [
        "Is there a mother and child group? Thanks a lot and have a nice weekend!",
        "Onko äiti-lapsiryhmää? Kiitos ja hyvää viikonloppua!",
        "有妈妈和宝宝的小组吗？谢谢，祝你周末愉快",
    ],
)
def test_a_good_wish_asks_for_no_time(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert "mother_child_group" in query.kinds
    assert query.window is None


@pytest.mark.parametrize(
    "text",
    [
        "anything on thursday evening? I finish work at 3",
        "¿Hay algo el jueves por la tarde? Trabajo de noche en un almacén.",
    ],
)
def test_ones_working_hours_are_no_clock_range(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert query.window is not None
    assert query.window.start == THURSDAY
    assert query.clock is not None
    assert query.clock.earliest is not None
    assert query.clock.earliest.hour >= 12


@pytest.mark.parametrize(
    "text",
    [
        "anything after work on thursday?",
        "onko torstaina jotain töiden jälkeen?",
        "fi shi yom el khamis ba3d el shoghl?",
        "星期四下班后有什么活动？",
    ],
)
def test_after_work_is_the_evening_not_a_job_search(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert "job_search" not in query.kinds
    assert query.clock is not None
    assert query.clock.earliest is not None
    assert query.clock.earliest.hour == 17
    assert query.window is not None
    assert query.window.start == THURSDAY


def test_the_question_says_whom_it_is_for(understander: Understander) -> None:
    query = understander.understand(
        "Vinimos con mi esposa y nuestra hija de 5 años. Trabajo en un almacén. "
        "¿Hay algún taller de manualidades para hombres?",
        now=NOW,
    )
    assert query.audiences == frozenset({"men"})
    assert "crafts" in query.kinds
    assert query.municipalities == ()  # "esposa" (wife) is no Espoo


@pytest.mark.parametrize(
    "text",
    [
        "Huomenna on vapaapäivä, olisiko jotain missä voisi olla muiden ihmisten kanssa?",
        "Mu isa on üksi kodus. Kas on mõni koht, kus ta saaks inimestega suhelda?",
        "周末有什么活动吗？我一个人在这里很无聊",
    ],
)
def test_wanting_company_is_no_wish_for_staff(understander: Understander, text: str) -> None:
    """Being with other people, or being alone and bored, asks for activities."""
    assert understander.understand(text, now=NOW).intent == "activities"


def test_the_family_told_before_the_question_is_not_whom_it_is_for(
    understander: Understander,
) -> None:
    query = understander.understand(
        "We came here because of my husband's work. The children are at school all day. "
        "Is there a language cafe on Thursday?",
        now=NOW,
    )
    assert "language_club" in query.kinds
    assert query.audiences == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "My evenings are busy with the kids. Is there a sewing club on Thursday?",
        "Opiskelen iltapäivisin. Onko torstaina ompelukerhoa?",
        "По вечерам я на курсах. Есть ли кружок шитья в четверг?",
    ],
)
def test_a_part_of_the_day_told_beside_a_dated_question_is_routine(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.window is not None
    assert (query.window.start, query.window.end) == (THURSDAY, THURSDAY)
    assert query.clock is None


def test_a_part_of_the_day_in_the_question_itself_still_counts(
    understander: Understander,
) -> None:
    query = understander.understand(
        "I study in the mornings. Is there a sewing club on Thursday evening?", now=NOW
    )
    assert query.window is not None
    assert query.clock is not None
    assert query.clock.earliest is not None
    assert query.clock.earliest.hour >= 16


def test_what_follows_the_question_refines_its_time(understander: Understander) -> None:
    query = understander.understand("anything on thursday evening? like after 7 pm", now=NOW)
    assert query.clock is not None
    assert query.clock.earliest is not None
    assert query.clock.earliest.hour == 19


@pytest.mark.parametrize(
    "text",
    [
        "I have lived in Vaasa for a year now. Is there a sewing club near here?",
        "Oon asunu Vaasassa vuoden. Onko täällä ompelukerhoa?",
        "Jag har bott i Vasa ett år. Finns det en syklubb här?",
    ],
)
def test_where_one_has_lived_is_no_town_asked_about(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert query.municipalities == ()


def test_is_there_does_not_point_back_at_the_story_s_town(understander: Understander) -> None:
    query = understander.understand(
        "We moved to Vaasa in May. Is there a sewing club on Thursday?", now=NOW
    )
    assert query.municipalities == ()
    query = understander.understand(
        "We moved to Vaasa in May. Is there a sewing club there on Thursday?", now=NOW
    )
    assert query.municipalities == ("Vaasa",)


@pytest.mark.parametrize(
    "text",
    [
        "Speaking is hard, and our neighbours are always busy. Is there a sewing club?",
        "Naapurit on mukavia mutta kiireisiä. Olisiko jossain ompelukerhoa, jossa voisi "
        "harjoitella puhumista?",
        "Говорить трудно, а соседи всегда заняты. Есть ли кружок шитья?",
    ],
)
def test_a_matter_in_the_story_gives_way_to_a_question_for_an_activity(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert "crafts" in query.kinds


def test_a_matter_with_a_question_for_a_person_still_wants_one(
    understander: Understander,
) -> None:
    query = understander.understand(
        "Our neighbours shout at us every night. Can I talk to someone about it?", now=NOW
    )
    assert query.intent == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "I go to a Finnish course in the mornings. Any sewing club?",
        "Käyn kielikurssilla aamuisin. Onko ompelukerhoa?",
        "Jag går på kurs på förmiddagarna. Finns det en syklubb?",
    ],
)
def test_the_course_one_attends_is_routine_not_a_time(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.clock is None
    assert query.kinds == {"crafts"}


@pytest.mark.parametrize(
    "text",
    [
        "My husband has his Finnish course in the mornings. Is there a group for women?",
        "Mieheni on töissä iltaisin. Onko naisille jotain?",
        "Муж учится по утрам. Есть ли группа для женщин?",
    ],
)
def test_a_part_of_the_day_only_told_before_the_question_is_no_filter(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert query.clock is None


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("anything going on in Espoo? I work there", "Espoo"),
        ("Mitä Espoossa on? Olen siellä töissä", "Espoo"),
        ("Что есть в Эспоо? Я работаю там", "Espoo"),
        ("¿Qué hay en Espoo? Está cerca de mi trabajo", "Espoo"),
    ],
)
def test_working_in_the_town_asked_about_is_no_job_search(
    understander: Understander, text: str, town: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert query.kinds == frozenset()
    assert town in query.municipalities


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("In my country I played volleyball every Sunday. Any choir here?", "music_culture"),
        ("Kotimaassani kävin lauantaisin uimassa. Onko täällä käsityöpiiriä?", "crafts"),
        ("En mi país tenía baile los viernes. ¿Hay algún club de idiomas?", "language_club"),
        ("В моей стране я по субботам играл в шахматы. Есть ли тут хор?", "music_culture"),
        ("在国内我每个星期天都去游泳。这里有语言咖啡馆吗？", "language_club"),
        ("ببلدي كنت ألعب كرة القدم كل جمعة. في نادي لغة هون؟", "language_club"),
    ],
)
def test_a_story_of_the_home_country_asks_for_no_day_and_no_kind(
    understander: Understander, text: str, kind: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.window is None
    assert query.kinds == {kind}


@pytest.mark.parametrize(
    "text",
    [
        "Ninkaygu wuu shaqeeyaa maalintii oo dhan, aniguna guriga ayaan ku jiraa. "
        "Waxaan rabaa koox hooyooyin iyo carruur ah.",
        "من خانه‌دار هستم، گروه مادر و کودک هست؟",
        "من تمام روز خونه هستم با بچه، گروه مادر و کودک هست؟",
    ],
)
def test_being_at_home_is_background_not_housing(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert "guidance" not in query.kinds
    assert "mother_child_group" in query.kinds


@pytest.mark.parametrize(
    "text",
    [
        "I was a driver but the company closed down in June. Any help to find a new job?",
        "Olin kaupassa töissä, mutta se meni kiinni kesäkuussa. Onko työnhakuapua?",
        "Trabajaba en un hotel pero cerró en junio. ¿Hay ayuda para buscar trabajo?",
        "Я работал на складе, но он закрылся в июне. Есть помощь в поиске работы?",
        "Otelde çalışıyordum ama haziranda kapandı. İş arama yardımı var mı?",
    ],
)
def test_a_month_when_something_closed_is_no_window(understander: Understander, text: str) -> None:
    query = understander.understand(text, now=NOW)
    assert query.window is None
    assert query.kinds == {"job_search"}
