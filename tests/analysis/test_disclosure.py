"""Disclosure control: primary and complementary suppression, open answers (issue 7, item 5).

The property tests play the attacker with code written here, not in the module: they rebuild
the published totals of each table, try subtraction line by line, and then try every linear
combination of the published totals at once (matrix rank), and must recover nothing.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.disclosure import (
    REASON_COMPLEMENTARY,
    REASON_PRIMARY,
    SUPPRESSED,
    cell_passes,
    filter_open_answers,
    suppress,
)
from report.wording import (
    REASON_LABELS,
    SUPPRESSION_NOTE_EN,
    SUPPRESSION_NOTE_NL,
    suppression_note,
)

TOTAL = "Totaal"


# ------------------------------------------------------------------- the attacker's tools


def _two_way(counts: np.ndarray, margins: bool) -> pd.DataFrame:
    """Long table of a two-way count array, means that differ per cell, optional margins."""
    rng = np.random.default_rng(int(counts.sum()))
    n_r, n_c = counts.shape
    means = rng.uniform(40, 90, size=counts.shape).round(1)
    rows = [
        {"row": f"r{i}", "col": f"c{j}", "n": int(counts[i, j]), "mean": float(means[i, j])}
        for i in range(n_r)
        for j in range(n_c)
    ]
    if margins:
        for i in range(n_r):
            rows.append({"row": f"r{i}", "col": TOTAL, "n": int(counts[i].sum()), "mean": 0.0})
        for j in range(n_c):
            rows.append({"row": TOTAL, "col": f"c{j}", "n": int(counts[:, j].sum()), "mean": 0.0})
        rows.append({"row": TOTAL, "col": TOTAL, "n": int(counts.sum()), "mean": 0.0})
    return pd.DataFrame(rows)


def _attacker_lines(table: pd.DataFrame, margins: bool) -> list[tuple[list[int], int | None]]:
    """(parts, explicit total position or None = published elsewhere) of a two-way table."""
    pos = {(r, c): i for i, (r, c) in enumerate(zip(table["row"], table["col"], strict=True))}
    rows = sorted({r for r in table["row"] if r != TOTAL})
    cols = sorted({c for c in table["col"] if c != TOTAL})
    lines = []
    for r in [*rows, *([TOTAL] if margins else [])]:
        lines.append(([pos[(r, c)] for c in cols], pos[(r, TOTAL)] if margins else None))
    for c in [*cols, *([TOTAL] if margins else [])]:
        lines.append(([pos[(r, c)] for r in rows], pos[(TOTAL, c)] if margins else None))
    return lines


def _recoverable_by_subtraction(hidden: np.ndarray, lines) -> list[int]:
    """Cells that one published total gives away: the only hidden member of its line."""
    found = []
    for parts, total in lines:
        if total is None and len(parts) == 1:
            continue  # the total IS the cell (documented: not protectable within the table)
        members = parts + ([total] if total is not None else [])
        hid = [p for p in members if hidden[p]]
        if len(hid) == 1:
            found.append(hid[0])
    return found


def _recoverable_by_algebra(hidden: np.ndarray, lines, m: int) -> list[int]:
    """Hidden cells fixed by all line equations together: dropping the cell's column from the
    system restricted to the hidden cells lowers its rank."""
    rows = []
    for parts, total in lines:
        if total is None and len(parts) == 1:
            continue
        row = np.zeros(m)
        row[parts] = 1
        if total is not None:
            row[total] = -1
        rows.append(row)
    unknown = np.flatnonzero(hidden)
    if not rows or unknown.size == 0:
        return []
    a = np.array(rows)[:, unknown]
    full = np.linalg.matrix_rank(a)
    return [
        int(u)
        for i, u in enumerate(unknown)
        if np.linalg.matrix_rank(np.delete(a, i, axis=1)) < full
    ]


def _hidden(out: pd.DataFrame) -> np.ndarray:
    # read from what is published, not from the flag
    return (out["n"] == SUPPRESSED).to_numpy()


# ----------------------------------------------------------------------- example tables


def test_one_way_breakdown_complement_is_the_next_smallest():
    table = pd.DataFrame(
        {"profession": ["a", "b", "c", "d"], "n": [3, 10, 12, 20], "score": [70.0, 80, 75, 60]}
    )
    out = suppress(table, group_cols=["profession"])
    # 3 < 5 is hidden; the total 45 is published, so 45 - 10 - 12 - 20 would give it back:
    # the next-smallest, 10, goes too
    assert list(out["suppressed"]) == [True, True, False, False]
    assert list(out["suppression_reason"]) == [REASON_PRIMARY, REASON_COMPLEMENTARY, None, None]
    assert list(out["n"]) == [SUPPRESSED, SUPPRESSED, 12, 20]
    assert list(out["score"]) == [SUPPRESSED, SUPPRESSED, 75.0, 60.0]
    assert out["profession"].tolist() == ["a", "b", "c", "d"]  # labels stay
    assert table["n"].tolist() == [3, 10, 12, 20]  # input untouched


def test_nothing_small_nothing_hidden():
    table = pd.DataFrame({"n": [5, 9, 30]})
    out = suppress(table)
    assert not out["suppressed"].any()
    assert out["n"].tolist() == [5, 9, 30]


def test_two_small_cells_that_add_up_to_fewer_than_k_get_a_third():
    # 1 + 1 = 2 < 5: the total minus the shown cells gives the pair's combined figure
    table = pd.DataFrame({"group": ["a", "b", "c", "d"], "n": [1, 1, 60, 50]})
    out = suppress(table, group_cols=["group"])
    assert out["suppressed"].tolist() == [True, True, False, True]
    assert out.loc[3, "suppression_reason"] == REASON_COMPLEMENTARY


def test_two_way_with_margins_iterates_over_rows_and_columns():
    #        c0  c1  c2 | Totaal
    # r0      2  10  30 |  42
    # r1     20  20  20 |  60
    # r2     12  15  40 |  67
    # Totaal 34  45  90 | 169
    counts = np.array([[2, 10, 30], [20, 20, 20], [12, 15, 40]])
    table = _two_way(counts, margins=True)
    out = suppress(table, value_cols=["mean"], group_cols=["row", "col"], total_row=TOTAL)
    hidden = {
        (r, c) for r, c, s in zip(out["row"], out["col"], out["suppressed"], strict=True) if s
    }
    # (r0,c0) primary; row r0 -> next-smallest (r0,c1)=10; column c0 -> next-smallest
    # (r2,c0)=12; column c1 now has (r0,c1) only -> (r2,c1)=15; row r2 then holds two
    assert hidden == {("r0", "c0"), ("r0", "c1"), ("r2", "c0"), ("r2", "c1")}
    lines = _attacker_lines(table, margins=True)
    assert _recoverable_by_subtraction(_hidden(out), lines) == []
    assert _recoverable_by_algebra(_hidden(out), lines, len(out)) == []


def test_cell_fixed_by_combining_lines_gets_a_complement():
    # Two blocks of small cells joined by one small cell (r1,c2): every row and column holds
    # at least two hidden cells, yet (rows r0+r1) minus (columns c0+c1) gives (r1,c2) away.
    counts = np.array(
        [
            [3, 3, 20, 20],
            [3, 3, 3, 20],
            [20, 20, 3, 3],
            [20, 20, 3, 3],
        ]
    )
    table = _two_way(counts, margins=False)
    lines = _attacker_lines(table, margins=False)
    primary_only = (table["n"] < 5).to_numpy()
    pos = int(np.flatnonzero((table["row"] == "r1") & (table["col"] == "c2"))[0])
    assert _recoverable_by_subtraction(primary_only, lines) == []
    assert _recoverable_by_algebra(primary_only, lines, len(table)) == [pos]

    out = suppress(table, group_cols=["row", "col"])
    assert out["suppressed"].sum() > primary_only.sum()
    assert _recoverable_by_algebra(_hidden(out), lines, len(out)) == []


def test_a_small_total_hides_its_whole_line():
    table = pd.DataFrame({"g": ["a", "b", TOTAL], "n": [1, 2, 3]})
    out = suppress(table, group_cols=["g"], total_row=TOTAL)
    assert out["suppressed"].all()


def test_default_value_cols_leave_numeric_labels_alone():
    table = pd.DataFrame({"year": [1, 2, 3], "n": [2, 8, 9], "share": [0.1, 0.4, 0.5]})
    out = suppress(table, group_cols=["year"])
    assert out["year"].tolist() == [1, 2, 3]
    assert out.loc[0, "share"] == SUPPRESSED and out.loc[1, "share"] == SUPPRESSED


def test_marker_and_footnotes_for_excel(tmp_path):
    assert SUPPRESSED == "x"
    assert "{k}" in SUPPRESSION_NOTE_NL and "{k}" in SUPPRESSION_NOTE_EN
    assert "minder dan 5 respondenten" in suppression_note(5, "nl")
    assert "fewer than 7 respondents" in suppression_note(7, "en")
    assert set(REASON_LABELS) == {"nl", "en"}
    with pytest.raises(ValueError, match="'nl' or 'en'"):
        suppression_note(5, "fr")
    out = suppress(pd.DataFrame({"g": ["a", "b", "c"], "n": [2, 6, 7], "m": [1.5, 2.5, 3.5]}))
    path = tmp_path / "t.xlsx"
    out.to_excel(path, index=False)
    ws = openpyxl.load_workbook(path).active
    cells = {ws.cell(1, j).value: j for j in range(1, ws.max_column + 1)}
    # hidden figures are text "x", shown figures stay numbers
    assert ws.cell(2, cells["n"]).value == "x" and ws.cell(2, cells["n"]).data_type == "s"
    assert ws.cell(4, cells["n"]).value == 7 and ws.cell(4, cells["n"]).data_type == "n"


@pytest.mark.parametrize(
    ("kwargs", "table", "message"),
    [
        ({}, pd.DataFrame({"count": [1]}), "no count column 'n'"),
        ({}, pd.DataFrame({"n": [3, -1]}), "row 1: 'n' must be a number"),
        ({}, pd.DataFrame({"n": [3, None]}), "row 1"),
        ({"group_cols": ["g"]}, pd.DataFrame({"g": ["a", "a"], "n": [1, 2]}), "same cell"),
        ({"total_row": TOTAL}, pd.DataFrame({"n": [1, 2]}), "total_row needs group_cols"),
        ({"k": 0}, pd.DataFrame({"n": [1, 2]}), "k must be"),
        ({"value_cols": ["score"]}, pd.DataFrame({"n": [1, 2]}), "no column"),
    ],
)
def test_bad_tables_are_refused(kwargs, table, message):
    with pytest.raises(ValueError, match=message):
        suppress(table, **kwargs)


def test_cell_passes():
    assert cell_passes(5) is True
    assert cell_passes(4) is False
    assert cell_passes(2, k=2) is True
    np.testing.assert_array_equal(cell_passes([0, 4, 5, 100]), [False, False, True, True])
    with pytest.raises(ValueError, match="missing"):
        cell_passes([1, float("nan")])


# ------------------------------------------------------------------------ open answers


@pytest.fixture
def answers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "profession": ["arts"] * 6 + ["tandarts"] * 3 + ["apotheker"] * 5,
            "respondent": [1, 2, 3, 4, 5, 5, 7, 8, 9, 10, 11, 12, 13, 14],
            "text": [f"antwoord {i}" for i in range(14)],
        }
    )


def test_open_answers_only_in_cells_that_pass(answers):
    shown = filter_open_answers(answers, ["profession"], k=5)
    assert set(shown["profession"]) == {"arts", "apotheker"}
    # counted per respondent: arts has 5 distinct respondents (one answered twice)
    by_resp = filter_open_answers(answers, ["profession"], k=6, respondent_col="respondent")
    assert by_resp.empty
    by_rows = filter_open_answers(answers, ["profession"], k=6)
    assert set(by_rows["profession"]) == {"arts"}


def test_open_answers_with_cell_sizes_from_all_respondents(answers):
    # the tandarts cell has 40 respondents, 3 of whom wrote something: their answers may show;
    # apotheker is missing from the counts: treated as empty, withheld
    sizes = pd.DataFrame({"profession": ["arts", "tandarts"], "n": [4, 40]})
    shown = filter_open_answers(answers, ["profession"], k=5, cell_counts=sizes)
    assert set(shown["profession"]) == {"tandarts"}


def test_open_answers_two_way_and_no_groups(answers):
    answers = answers.assign(year=[1, 1, 1, 1, 1, 2] + [1] * 3 + [2] * 5)
    shown = filter_open_answers(answers, ["profession", "year"], k=5)
    assert set(zip(shown["profession"], shown["year"], strict=True)) == {
        ("arts", 1),
        ("apotheker", 2),
    }
    assert len(filter_open_answers(answers, [], k=14)) == 14
    assert filter_open_answers(answers, [], k=15).empty


# ---------------------------------------------------------------------- property tests


@st.composite
def two_way_tables(draw):
    n_r = draw(st.integers(2, 5))
    n_c = draw(st.integers(2, 5))
    cell = st.one_of(st.integers(0, 6), st.integers(0, 60))
    counts = np.array(draw(st.lists(cell, min_size=n_r * n_c, max_size=n_r * n_c)))
    return counts.reshape(n_r, n_c), draw(st.booleans()), draw(st.integers(2, 6))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_way_tables())
def test_property_two_way_nothing_recoverable(params):
    counts, margins, k = params
    table = _two_way(counts, margins)
    out = suppress(
        table,
        value_cols=["mean"],
        k=k,
        group_cols=["row", "col"],
        total_row=TOTAL if margins else None,
    )
    hidden = _hidden(out)
    assert (hidden == out["suppressed"].to_numpy()).all()
    assert (out["mean"] == SUPPRESSED).to_numpy().tolist() == hidden.tolist()
    # every small cell is hidden, every shown figure is the true one
    assert hidden[(table["n"] < k).to_numpy()].all()
    shown = ~hidden
    assert out.loc[shown, "n"].tolist() == table.loc[shown, "n"].tolist()
    assert out.loc[shown, "mean"].tolist() == table.loc[shown, "mean"].tolist()
    lines = _attacker_lines(table, margins)
    assert _recoverable_by_subtraction(hidden, lines) == []
    assert _recoverable_by_algebra(hidden, lines, len(table)) == []
    # the hidden parts of a line with a published total describe at least k respondents
    n = table["n"].to_numpy()
    for parts, total in lines:
        if total is not None and hidden[total]:
            continue
        hid = [p for p in parts if hidden[p]]
        if hid and any(not hidden[p] for p in parts):
            assert n[hid].sum() >= k


@settings(max_examples=250, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=2, max_size=10),
    st.integers(1, 8),
    st.booleans(),
)
def test_property_one_way_nothing_recoverable(counts, k, with_total):
    labels = [f"g{i}" for i in range(len(counts))]
    n = list(counts)
    if with_total:
        labels.append(TOTAL)
        n.append(sum(counts))
    table = pd.DataFrame({"g": labels, "n": n, "share": np.array(n) / max(sum(counts), 1)})
    out = suppress(table, k=k, group_cols=["g"], total_row=TOTAL if with_total else None)
    hidden = _hidden(out)
    assert hidden[(table["n"] < k).to_numpy()].all()
    parts = list(range(len(counts)))
    total = len(counts) if with_total else None
    # the attacker knows the total whether or not it is in this table
    published_total = sum(counts)
    visible_parts = [p for p in parts if not hidden[p]]
    hidden_parts = [p for p in parts if hidden[p]]
    if total is None or not hidden[total]:
        # subtraction recovers a lone hidden part
        assert len(hidden_parts) != 1
        if hidden_parts and visible_parts:
            recovered = published_total - sum(n[p] for p in visible_parts)
            assert recovered >= k  # only a sum of at least k respondents is learned
    else:
        # a hidden total is recoverable by addition unless a part is hidden too
        assert hidden_parts


def test_large_table_with_many_small_cells_settles_safely():
    # 12 x 8 with margins and many small cells
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 12, size=(12, 8))
    table = _two_way(counts, margins=True)
    out = suppress(table, value_cols=["mean"], group_cols=["row", "col"], total_row=TOTAL)
    lines = _attacker_lines(table, margins=True)
    assert _recoverable_by_algebra(_hidden(out), lines, len(out)) == []
