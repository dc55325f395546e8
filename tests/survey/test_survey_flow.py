"""The page flow (survey.flow) on the e-loket questionnaire: pages asked, shown, next/previous."""

from __future__ import annotations

from survey.flow import first_with_errors, position, sections_asked, sections_to_show, step

ALL_WEB = ["gebruik", "ervaring", "gebruiksgemak", "papier", "algemeen"]


def ids(sections):
    return [s.id for s in sections]


def test_paper_asks_the_profile_and_not_the_invited_only_page(eloket):
    assert ids(sections_asked(eloket, "invited")) == [*ALL_WEB, "resultaten"]
    assert ids(sections_asked(eloket, "open")) == [*ALL_WEB, "profiel"]
    # On paper the team keys in the profile too (ask_only_in: [open], but every item a profile).
    assert ids(sections_asked(eloket, "paper")) == [*ALL_WEB, "profiel"]


def test_position_falls_back_to_the_first_page(eloket):
    here = position(eloket, "invited", {}, "papier")
    assert (here.section.id, here.index, here.last) == ("papier", 3, False)
    assert here.fraction == 4 / 6  # page 4 of 6; the last page is full (issue 18)
    # A page the skip logic now hides, or none stored yet: the first page.
    assert position(eloket, "invited", {"procedures": ["geen"]}, "ervaring").index == 0
    assert position(eloket, "invited", {}, None).section.id == "gebruik"


def test_step_follows_the_pages_shown_after_this_pages_answers(eloket):
    answers = {"procedures": ["geen"]}  # ervaring and gebruiksgemak drop out
    forward = step(eloket, "invited", answers, "gebruik", +1)
    assert forward.section.id == "papier"
    assert forward.progress == {"page": 1, "section": "papier", "done": ["gebruik"]}
    assert step(eloket, "invited", answers, "papier", -1).section.id == "gebruik"
    assert step(eloket, "invited", answers, "gebruik", -1).section.id == "gebruik"
    last = step(eloket, "invited", answers, "resultaten", +1)
    assert (last.section.id, last.last) == ("resultaten", True)
    assert step(eloket, "invited", answers, "resultaten", 0).progress["done"] == [
        "gebruik",
        "papier",
        "algemeen",
    ]


def test_first_page_with_an_error(eloket):
    shown = sections_to_show(eloket, "invited", {})
    assert first_with_errors(shown, {"tevredenheid": ("x", "x")}).id == "algemeen"
    assert first_with_errors(shown, {"umux_2": ("x", "x")}).id == "gebruiksgemak"
    assert first_with_errors(shown, {}) is None


def test_the_form_starts_after_the_last_answer_that_changes_what_is_shown(eloket):
    from survey.flow import form_start

    start = {s.id: form_start(eloket, s) for s in eloket.sections}
    # gebruik: its procedures reveal questions on the page and decide the next pages;
    # papier: "kende u de papieren procedure" reveals the comparison. The rest wait for Next.
    assert start == {
        "gebruik": 1,
        "ervaring": 0,
        "gebruiksgemak": 0,
        "papier": 1,
        "algemeen": 0,
        "resultaten": 0,
        "profiel": 0,
    }


def test_a_later_page_or_a_calculation_on_the_answers_moves_the_form_start(eloket):
    import copy

    from survey.flow import form_start
    from survey.schema import build_questionnaire

    raw = eloket.to_dict()

    def with_changes(change) -> dict[str, int]:
        r = copy.deepcopy(raw)
        change({s["id"]: s for s in r["sections"]})
        q = build_questionnaire(r)
        return {s.id: n for s in q.sections if (n := form_start(q, s))}

    def later_page(sections):  # a later page shown only for some satisfaction scores
        sections["profiel"]["relevant"] = "${tevredenheid} >= 5"

    def through_a_calculation(sections):
        items = sections["ervaring"]["items"]  # the third question, through a calculate item
        items.insert(3, {"id": "laag", "type": "calculate", "calculation": "${formulieren} < 3"})
        sections["gebruiksgemak"]["items"][0]["relevant"] = "${laag}"

    assert with_changes(later_page) == {"gebruik": 1, "papier": 1, "algemeen": 1}
    assert with_changes(through_a_calculation) == {"gebruik": 1, "papier": 1, "ervaring": 3}
