"""The language-independent rules that turn concepts into an intent and constraints."""

import pytest

from catalog.understanding.intent import age_audiences, interpret


def test_a_language_next_to_learning_words_is_the_subject() -> None:
    found = interpret({"lang.fi", "cue.course"})
    assert found.kinds == {"language_course"}
    assert found.spoken_languages == frozenset()


def test_practice_makes_a_language_club_and_learning_alone_either() -> None:
    assert interpret({"lang.sv", "cue.practise"}).kinds == {"language_club"}
    assert interpret({"lang.fi", "cue.learn"}).kinds == {"language_course", "language_club"}


def test_a_language_without_learning_words_is_spoken_at_the_activity() -> None:
    found = interpret({"lang.ar", "cue.activity"})
    assert found.spoken_languages == {"ar"}
    assert found.kinds == frozenset()


def test_another_kind_keeps_a_named_language_as_the_spoken_one() -> None:
    found = interpret({"kind.cooking", "cue.course", "lang.so"})
    assert found.kinds == {"cooking"}
    assert found.spoken_languages == {"so"}


def test_explicit_spoken_language_stays_spoken_in_a_language_club() -> None:
    found = interpret({"kind.language_club", "spoken.sv"})
    assert found.kinds == {"language_club"}
    assert found.spoken_languages == {"sv"}


def test_speaking_finnish_is_practice_but_speaking_with_someone_is_not() -> None:
    assert interpret({"lang.fi", "cue.speak"}).kinds == {"language_club"}
    found = interpret({"lang.so", "cue.speak", "cue.person"})
    assert found.intent == "contact"


def test_a_group_for_women_or_men_is_that_kind_of_group() -> None:
    women = interpret({"audience.women", "cue.group"})
    assert women.kinds == {"womens_group"}
    assert not women.audiences
    fathers = interpret({"cue.father", "cue.group"})
    assert fathers.kinds == {"mens_group"}


def test_a_group_with_another_kind_keeps_the_audience() -> None:
    found = interpret({"audience.women", "cue.group", "kind.peer_group"})
    assert found.kinds == {"peer_group"}
    assert found.audiences == {"women"}


def test_mothers_with_children_make_a_mother_child_group() -> None:
    found = interpret({"cue.mother", "audience.children"})
    assert found.kinds == {"mother_child_group"}
    assert found.audiences == frozenset()


def test_children_and_families_go_together() -> None:
    assert interpret({"audience.children"}).audiences == {"children", "families"}
    assert interpret({"audience.families"}).audiences == {"children", "families"}
    assert interpret({"audience.youth"}).audiences == {"youth"}


def test_kinds_absorb_the_audience_they_imply() -> None:
    assert interpret({"kind.homework_help", "audience.children"}).audiences == frozenset()


def test_events_for_associations_are_network_meetings() -> None:
    found = interpret({"audience.organisations", "cue.whats_on"})
    assert found.kinds == {"network_meeting"}


def test_joining_an_association_is_recruitment_but_joining_the_network_is_contact() -> None:
    assert interpret({"cue.join", "cue.association"}).classes == {"recruitment"}
    assert interpret({"cue.member"}).classes == {"recruitment"}
    assert interpret({"cue.join", "cue.association", "cue.network"}).intent == "contact"


def test_asking_for_a_person_is_contact_even_with_activity_words() -> None:
    assert interpret({"cue.coordinator", "kind.volunteering"}).intent == "contact"
    assert interpret({"cue.personal"}).intent == "contact"
    assert interpret({"cue.call_me", "cue.time"}).intent == "contact"


def test_someone_with_a_matter_is_contact_but_practising_with_someone_is_not() -> None:
    assert interpret({"cue.person", "cue.need_help", "kind.guidance"}).intent == "contact"
    assert interpret({"cue.person", "cue.speak", "kind.friend_activity"}).intent == "activities"


def test_contact_and_help_carry_no_constraints() -> None:
    found = interpret({"cue.coordinator", "kind.guidance", "audience.women"})
    assert found.kinds == found.audiences == frozenset()


def test_questions_about_the_assistant_are_help_unless_they_ask_for_something() -> None:
    assert interpret({"help.meta", "cue.activity", "lang.zh"}).intent == "help"
    assert interpret({"help.meta", "kind.sports"}).intent == "activities"


def test_greetings_are_help_and_anything_recognised_is_activities() -> None:
    assert interpret({"help.greeting"}).intent == "help"
    assert interpret({"help.greeting", "kind.sports"}).intent == "activities"
    assert interpret(set(), has_window=True).intent == "activities"
    assert interpret(set(), has_place=True).intent == "activities"
    assert interpret({"cue.whats_on"}).intent == "activities"


def test_nothing_recognised_is_help() -> None:
    assert interpret(set()).intent == "help"


def test_a_womens_group_asked_with_another_kind_is_only_its_audience() -> None:
    found = interpret({"kind.peer_group", "kind.womens_group"})
    assert found.kinds == {"peer_group"}
    assert found.audiences == {"women"}
    assert interpret({"kind.womens_group"}).kinds == {"womens_group"}
    assert interpret({"kind.crafts", "kind.mens_group"}).audiences == {"men"}


def test_an_elderly_parent_is_a_senior_not_a_woman_or_a_man() -> None:
    assert interpret({"cue.mother", "audience.seniors"}).audiences == {"seniors"}
    assert interpret({"cue.father", "audience.seniors"}).audiences == {"seniors"}
    assert interpret({"cue.mother", "cue.activity"}).audiences == {"women"}


@pytest.mark.parametrize(
    ("age", "audiences"),
    [
        (8, {"children"}),  # a school child's own activities, not a family outing
        (4, {"children", "families"}),
        (15, {"youth"}),
        (70, {"seniors"}),
        (40, {"children", "families"}),  # an adult's age says nothing about who it is for
    ],
)
def test_a_stated_age_decides_the_age_audience(age: int, audiences: set[str]) -> None:
    assert interpret({"audience.children", "kind.sports"}, age=age).audiences == audiences


def test_age_audiences_keep_the_other_audiences() -> None:
    assert age_audiences(16, {"women", "children"}) == {"women", "youth"}


def test_volunteering_in_another_kind_is_recruitment_for_it() -> None:
    coach = interpret({"kind.volunteering", "kind.sports", "audience.children"})
    assert coach.kinds == {"volunteering", "sports"}
    assert coach.classes == {"recruitment"}
    assert coach.audiences == frozenset()  # the children are whom the volunteer helps
    assert interpret({"kind.volunteering"}).classes == frozenset()


def test_ones_own_trouble_with_a_matter_is_contact_unless_asking_where() -> None:
    assert interpret({"cue.trouble", "kind.guidance"}).intent == "contact"
    assert interpret({"cue.trouble", "kind.guidance", "cue.where"}).intent == "activities"
    assert interpret({"cue.trouble", "cue.course"}).intent == "help"
    assert interpret({"cue.trouble", "kind.sports"}).intent == "activities"


def test_someone_to_help_or_a_number_beats_guidance() -> None:
    assert interpret({"cue.person", "cue.need_help", "kind.guidance"}).intent == "contact"
    assert interpret({"cue.contact", "kind.guidance", "cue.where"}).intent == "contact"
    assert interpret({"cue.person", "cue.need_help", "kind.job_search"}).intent == "activities"


def test_asking_whether_the_assistant_speaks_a_language_is_help() -> None:
    assert interpret({"help.meta", "cue.speak", "lang.fi"}).intent == "help"
    assert interpret({"help.meta", "spoken.en"}).intent == "help"


def test_someone_who_speaks_a_language_names_the_spoken_language() -> None:
    found = interpret({"kind.language_club", "cue.person", "cue.speak", "lang.ar"})
    assert found.kinds == {"language_club"}
    assert found.spoken_languages == {"ar"}


def test_speaking_finnish_with_a_friend_is_practice_not_a_medium() -> None:
    found = interpret({"kind.friend_activity", "cue.speak", "lang.fi"})
    assert found.kinds == {"friend_activity"}
    assert found.spoken_languages == frozenset()


def test_asking_whether_the_assistant_is_a_person_is_help_even_beside_a_kind_word() -> None:
    machine = interpret({"help.meta", "cue.human", "kind.digital_skills"})
    assert machine.intent == "help"
    assert interpret({"help.meta", "cue.human", "cue.speak"}).intent == "contact"


def test_a_personal_matter_beside_an_activity_wants_a_person_when_it_asks_for_one() -> None:
    bullied = interpret({"cue.matter", "kind.sports", "cue.person", "cue.speak"})
    assert bullied.intent == "contact"
    employers_at_a_fair = interpret({"cue.matter", "kind.job_search"})
    assert employers_at_a_fair.intent == "activities"
    assert interpret({"cue.matter"}).intent == "contact"


def test_asking_where_to_go_with_a_matter_stays_a_question_about_activities() -> None:
    where = interpret({"cue.matter", "cue.where", "kind.guidance"})
    assert where.intent == "activities"
    assert where.kinds == {"guidance"}


def test_a_volunteer_friend_is_friend_activity_unless_joining() -> None:
    wanted = interpret({"kind.friend_activity", "kind.volunteering"})
    assert wanted.kinds == {"friend_activity"}
    assert wanted.classes == frozenset()
    joining = interpret({"kind.friend_activity", "kind.volunteering", "cue.join"})
    assert "recruitment" in joining.classes


def test_a_small_childs_gender_is_no_audience() -> None:
    assert age_audiences(4, {"women"}) == {"children"}


def test_joining_a_team_to_play_is_taking_part_but_membership_is_recruitment() -> None:
    playing = interpret({"cue.join", "cue.team", "kind.sports"})
    assert playing.kinds == {"sports"}
    assert not playing.classes
    assert interpret({"cue.join", "cue.team"}).classes == {"recruitment"}
    assert interpret({"cue.join", "cue.team", "cue.member", "kind.sports"}).classes == {
        "recruitment"
    }
