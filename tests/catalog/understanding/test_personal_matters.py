"""A personal matter about an activity or its leader wants a person (written for these tests).

Mistreatment, insults, feeling unsafe, a complaint or a letter to translate: the message names
an activity, but it asks for someone to talk to, not for the activity.
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
    "text",
    [
        "The coach of the football team insults my son in front of everyone. Who can I talk to?",
        "Kuorossa ohjaaja kohtelee minua huonosti. Voinko puhua jonkun kanssa tästä?",
        "Ledaren på språkcaféet förolämpade mig. Kan jag prata med någon?",
        "Тренер по футболу оскорбляет моего сына. С кем можно поговорить?",
        "Керівниця гуртка кричить на мою доньку. З ким можна поговорити?",
        "المدرب في نادي كرة القدم يهددني، أريد أن أتكلم مع شخص",
        "معلم کلاس زبان به من توهین کرد. میشه با یه نفر صحبت کنم؟",
        "Futbol antrenörü oğluma hakaret ediyor, biriyle konuşabilir miyim?",
        "足球教练经常骂我儿子，我可以找人谈谈吗？",
        "La profesora del curso de finés me humilla delante de todos. ¿Puedo hablar con alguien?",
        "L'animateur du café des langues se moque de moi. Je peux parler à quelqu'un ?",
        "Keelekohviku juht solvas mind. Kas saan kellegagi rääkida?",
    ],
)
def test_mistreatment_beside_an_activity_wants_a_person(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, now=NOW).intent == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "I got a letter from Kela and don't understand it, I need someone to translate it",
        "Sain kirjeen Migristä enkä ymmärrä sitä, tarvitsen jonkun kääntämään sen",
        "Recibí una carta de Migri y no la entiendo, necesito a alguien que me la traduzca",
    ],
)
def test_a_letter_to_translate_wants_a_person(understander: Understander, text: str) -> None:
    assert understander.understand(text, now=NOW).intent == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "Is the football club safe for small children?",
        "Onko jalkapallokerho lapsille?",
        "Is there a translation course in the evening?",
    ],
)
def test_a_plain_activity_question_stays_one(understander: Understander, text: str) -> None:
    assert understander.understand(text, now=NOW).intent == "activities"


@pytest.mark.parametrize(
    "text",
    [
        "my husband hits me and I don't know who to tell",
        "mieheni lyö minua, kenelle voin kertoa?",
        "زوجي بيضربني، شو لازم اعمل",
        "муж бьёт меня, что делать?",
        "mi pareja me pega, a quién puedo decirlo",
        "老公打我，我该找谁",
    ],
)
def test_violence_at_home_wants_a_person(understander: Understander, text: str) -> None:
    assert understander.understand(text, now=NOW).intent == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "wait, am I chatting with a real human or a bot?",
        "Onko tämä oikea ihminen vai kone?",
        "Я переписываюсь с человеком или с роботом?",
        "هل يرد علي شخص حقيقي ولا روبوت؟",
        "man ba ye adam harf mizanam ya robot?",
        "ma qof baa iga jawaabaya mise mashiin?",
        "Est-ce que je parle à une personne ou une machine ?",
    ],
)
def test_a_question_between_a_person_and_a_machine_is_for_help(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, now=NOW).intent == "help"


@pytest.mark.parametrize(
    "text",
    [
        "are you a robot? what do you do",
        "ootko botti?",
        "ты робот или нет? как ты работаешь",
        "هل انت بوت؟",
        "شما ربات هستید؟",
        "bot musun sen",
        "eres un robot?",
        "je parle à un robot là ?",
        "你是机器人吗",
        "am I talking to a computer program? how does it work",
        "مين عم يرد عليي هلق؟ برنامج؟",
    ],
)
def test_asking_whether_the_assistant_is_a_machine_is_for_help(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, now=NOW).intent == "help"


@pytest.mark.parametrize(
    "text",
    [
        "hold on, am I talking to a real person now?",
        "kuka mulle oikeasti vastaa?",
        "кто мне отвечает? живой человек?",
        "meen 3am yrod 3alay hala2?",
        "bana kim cevap veriyor şu an?",
        "¿quién me responde, una máquina?",
        "qui me répond là ?",
        "谁在回复我？",
    ],
)
def test_asking_who_is_answering_is_for_help(understander: Understander, text: str) -> None:
    assert understander.understand(text, now=NOW).intent == "help"


@pytest.mark.parametrize(
    "text",
    [
        "I have nobody to talk to here, is there a language café?",
        "Ei ole ketään kenen kanssa puhua, onko kielikahvilaa?",
        "Kiminle konuşabilirim? Ev sahibim depozitomu vermiyor",
    ],
)
def test_nobody_to_talk_to_or_whom_to_talk_to_is_not_a_question_about_the_bot(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, now=NOW).intent != "help"


def test_a_computer_beside_a_course_word_is_still_digital_skills(
    understander: Understander,
) -> None:
    query = understander.understand("is there a computer course for beginners?", now=NOW)
    assert query.intent == "activities"
    assert query.kinds == {"digital_skills"}


def test_wanting_a_person_instead_of_the_bot_is_contact(understander: Understander) -> None:
    query = understander.understand("I don't want a bot, please let me talk to a person", now=NOW)
    assert query.intent == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "My work permit runs out soon and I need help, who could talk it through with me?",
        "Нужна помощь с пособием, кто может со мной поговорить?",
        "Потрібна допомога з житлом, хто може зі мною поговорити?",
    ],
)
def test_asking_who_can_talk_to_me_about_a_need_is_contact(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, now=NOW).intent == "contact"


def test_asking_whether_it_understands_a_language_is_help(understander: Understander) -> None:
    assert understander.understand("Kas sa saad vene keelest ka aru?", now=NOW).intent == "help"


@pytest.mark.parametrize(
    "text",
    [
        "hi, there's a problem at work and I'd like to talk to someone",
        "Minulla on ongelmia työpaikalla, voisinko puhua jonkun kanssa?",
        "3andi moshkle bel shoghl, baddi a7ki ma3 7ada",
    ],
)
def test_a_problem_at_work_wants_a_person_not_a_job_search(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "is there any advice in English about problems with my tax card?",
        "有没有地方可以用英语咨询签证问题？",
        "ma jiraa talo-bixin af Carabi ah oo ku saabsan dhibaatooyinka kirada?",
        "Onko neuvontaa venäjäksi, kun on ongelmia oleskeluluvan kanssa?",
        "¿Hay asesoría en árabe para problemas con la vivienda?",
    ],
)
def test_asking_whether_there_is_advice_on_a_problem_is_a_question_about_activities(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert "guidance" in query.kinds


@pytest.mark.parametrize(
    "text",
    [
        "I have a problem with my tax card, I need advice",
        "Minulla on ongelma oleskeluluvan kanssa ja tarvitsen neuvoa.",
    ],
)
def test_telling_of_ones_own_problem_with_a_matter_still_wants_a_person(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, now=NOW).intent == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "My neighbour told me about a language café to practise speaking Finnish. When is it?",
        "邻居告诉我有一个可以练习说芬兰语的语言咖啡馆，在哪里？",
        "Naapuri kertoi kielikahvilasta, jossa voi harjoitella puhumista. Milloin se on?",
    ],
)
def test_a_neighbour_in_a_story_about_practising_speaking_is_no_matter(
    understander: Understander, text: str
) -> None:
    query = understander.understand(text, now=NOW)
    assert query.intent == "activities"
    assert "language_club" in query.kinds


def test_a_neighbour_dispute_with_a_wish_to_talk_still_wants_a_person(
    understander: Understander,
) -> None:
    text = "My neighbour shouts at my kids every day. I want to speak with someone about it."
    assert understander.understand(text, now=NOW).intent == "contact"
