"""survey.data.to_frame(trusted=True): the fast path for answers the store checked at save time
gives the same frame as the checked path, on the demo world's stored answers."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from store import schema
from store.waves import get_questionnaire_definition
from survey.data import to_frame
from survey.schema import Questionnaire

FULL = {
    "procedures": ["stagerapport"],
    "gemak_stagerapport": 4,
    "aanmelden": 5,
    "hulp": None,  # niet van toepassing / weet niet
    "umux_1": 6,
    "umux_2": 7,
    "ces": 5,
    "kende_papier": "ja",
    "vergelijking_papier": "beter",
    "tevredenheid": 8,
    "verbetering": "Sneller antwoord.",
}


def _stored(url: str) -> dict[str, list[dict]]:
    """Every stored answers dict of the demo world, per questionnaire version."""
    engine = sa.create_engine(url)
    out: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.responses.c.questionnaire_hash, schema.responses.c.answers).order_by(
                schema.responses.c.id
            )
        ).all()
        for qhash, answers in rows:
            out.setdefault(qhash, []).append(answers)
        questionnaires = {h: get_questionnaire_definition(conn, h) for h in out}
    engine.dispose()
    return {h: (Questionnaire.from_dict(questionnaires[h]), out[h]) for h in out}


def test_both_paths_give_identical_frames_on_the_demo_worlds_answers(demo_template):
    stored = _stored(f"sqlite:///{demo_template}")
    assert stored
    for q, answers in stored.values():
        checked = to_frame(q, answers)
        trusted = to_frame(q, answers, trusted=True)
        pd.testing.assert_frame_equal(trusted, checked, check_exact=True)
        # the comparison means something: every kind of column holds values, and the
        # scales and texts have gaps (skipped, n.v.t., partials)
        assert len(checked) > 1000
        kinds = {c.name: c.kind for c in q.columns()}
        for kind in ("scale", "rating", "multi", "choice", "yesno", "text"):
            block = checked[[n for n, k in kinds.items() if k == kind]]
            assert block.notna().any().all(), kind
            if kind in ("scale", "text"):
                assert block.isna().any().any(), kind


def test_both_paths_agree_on_blanks_and_not_applicable(eloket):
    rows = [
        FULL,
        {"procedures": ["geen"], "tevredenheid": 0, "beroep": "huisarts", "hulp": None},
        {"verbetering": "", "procedures": [], "kende_papier": None},
        {},
        None,
        {"aanmelden": "4", "umux_1": 7.0},  # digits and integral floats pass validation
    ]
    pd.testing.assert_frame_equal(
        to_frame(eloket, rows, trusted=True), to_frame(eloket, rows), check_exact=True
    )
    assert to_frame(eloket, [], trusted=True).shape == (0, 28)
