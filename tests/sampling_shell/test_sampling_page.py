"""The team page "Steekproef" through Streamlit's AppTest (the real app.py, logged in)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa

from sampling.invitations import hash_token
from store import schema
from store.db import get_engine, transaction
from store.waves import create_wave
from tests.app.conftest import ROOT, TEAM_PASSWORD, login, new_app
from tests.sampling_shell.conftest import N_FRAME, PROFESSIONS, counts, frame_table


@pytest.fixture(scope="module")
def password_hash() -> str:
    from ktm.auth import hash_password

    return hash_password(TEAM_PASSWORD)


@pytest.fixture
def app_env(monkeypatch, tmp_path, password_hash):
    """The real app on its own SQLite file (no demo world: the test makes its wave first)."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("KTM_DATABASE_URL", url)
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KTM_TEAM_PASSWORD_HASH", password_hash)
    monkeypatch.chdir(ROOT)
    return url


@pytest.fixture
def page(app_env, monkeypatch):
    """The page on a database with one open wave (so no demo world), logged in."""
    for var in ("KTM_SMTP_HOST", "KTM_SMTP_SENDER"):
        monkeypatch.delenv(var, raising=False)
    engine = get_engine(app_env)
    with transaction(engine) as conn:
        wave_id = create_wave(conn, "Steekproeftest", status="open", post_contact=True)
    at = new_app().run()
    login(at)
    at.switch_page("views/sampling.py").run()
    assert not at.exception, at.exception
    return at, engine, wave_id


def _xlsx_bytes(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_excel(buffer, index=False)
    return buffer.getvalue()


def _table_with(at, column: str) -> pd.DataFrame:
    """The (first) table on the page that has `column`."""
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    assert tables, f"no table with a column {column!r}"
    return tables[0]


def _upload_frame(at, name: str, data: bytes):
    at.file_uploader(key="frame_file").set_value((name, data, "application/octet-stream")).run()
    at.button(key="frame_import").click().run()
    assert not at.exception, at.exception
    return at


def test_an_invalid_upload_shows_every_problem_and_changes_nothing(page):
    at, engine, _ = page
    before = counts(engine)
    table = frame_table().head(10).astype(object)
    table.loc[1, "e-mail"] = table.loc[0, "e-mail"]
    table.loc[2, "beroep"] = "verpleegkundige"
    table.loc[3, "opleidingsjaar"] = "tweede"
    _upload_frame(at, "kader.csv", table.to_csv(index=False, sep=";").encode())
    assert counts(engine) == before
    assert any("niets ingelezen" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["Rij", "Kolom", "Probleem"]
    assert {3, 4, 5} <= set(problems["Rij"].dropna().astype(int))


def test_frame_design_draw_and_mail_merge_on_the_page(page):
    at, engine, wave_id = page
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(frame_table()))
    assert counts(engine)["frame_snapshots"] == 1 and counts(engine)["frame_units"] == N_FRAME
    assert any(f"{N_FRAME} eenheden" in s.value for s in at.success)
    # Professions in their fixed order (sampling.frame), not alphabetical by code or name.
    from sampling.frame import PROFESSION_CODES
    from survey.schema import PROFESSIONS as NAMES

    fixed = [NAMES[p]["nl"] for p in PROFESSION_CODES if p in PROFESSIONS]
    assert list(_table_with(at, "Beroep")["Beroep"]) == fixed

    # Design: the comparison is there for the chosen budget, then a seeded draw.
    at.number_input(key="n").set_value(60).run()
    comparison = _table_with(at, "Proportioneel")
    assert "Totaal" in comparison.index and len(comparison.columns) >= 4
    assert [h for h in comparison.index if h != "Totaal"] == fixed
    at.number_input(key="seed").set_value(4242).run()
    at.button(key="draw").click().run()
    assert not at.exception, at.exception
    assert any("seed 4242" in s.value for s in at.success)
    allocation = _table_with(at, "n_h getrokken")
    # counts are written as a person reads them (report.format: 1.234 in Dutch)
    assert sum(int(v.replace(".", "")) for v in allocation["n_h getrokken"]) == 60
    assert (allocation["n_h toegewezen"] == allocation["n_h getrokken"]).all()
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.samples.c.seed)).scalar_one() == 4242

    # Mail merge (CSV): the file's links are the stored hashes; the invitations are issued.
    at.radio(key="mm_format").set_value("csv").run()
    at.button(key="mm_make").click().run()
    assert not at.exception, at.exception
    made = at.session_state["mailmerge"]
    assert made["name"].endswith(".csv") and made["n"] == 60
    assert at.download_button(key="mm_download")
    merged = pd.read_csv(io.BytesIO(made["data"]), sep=";", encoding="utf-8-sig")
    tokens = [link.split("?t=", 1)[1] for link in merged["persoonlijke_link"]]
    with engine.connect() as conn:
        stored = set(conn.execute(sa.select(schema.invitations.c.token_hash)).scalars())
        dispositions = set(conn.execute(sa.select(schema.invitations.c.disposition)).scalars())
    assert {hash_token(tok) for tok in tokens} == stored and dispositions == {"invited"}
    # The sample is now fixed: the draw button is disabled.
    assert at.button(key="draw").disabled


def test_sending_from_the_page_with_progress(page, smtp, monkeypatch):
    at, engine, wave_id = page
    handler, config = smtp
    for key, value in {
        "KTM_SMTP_HOST": config.host,
        "KTM_SMTP_PORT": str(config.port),
        "KTM_SMTP_SECURITY": "none",
        "KTM_SMTP_SENDER": config.sender,
    }.items():
        monkeypatch.setenv(key, value)
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(frame_table()))
    at.number_input(key="n").set_value(15).run()
    at.button(key="draw").click().run()
    assert at.button(key="send").disabled  # needs the confirmation first
    at.checkbox(key="send_confirm").check().run()
    at.button(key="send").click().run()
    assert not at.exception, at.exception
    assert any("Verstuurd: 15" in s.value for s in at.success)
    assert len(handler.messages) == 15
    with engine.connect() as conn:
        dispositions = conn.execute(sa.select(schema.invitations.c.disposition)).scalars().all()
    assert dispositions == ["invited"] * 15


def test_the_size_from_a_margin_of_error_shows_the_allocations_design_effect(page):
    from sampling.allocation import size_for_allocation

    at, engine, wave_id = page
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(frame_table()))
    at.number_input(key="minimum").set_value(8).run()
    at.radio(key="size_mode").set_value("moe").run()
    # Both inputs read in percent (issue 18: "10 %", not "0.10").
    at.number_input(key="moe").set_value(10.0).run()
    at.number_input(key="rr").set_value(50.0).run()
    assert not at.exception, at.exception
    sized = size_for_allocation(PROFESSIONS, 0.1, minimum=8, response_rate=0.5)
    assert sized.size.invitations > sized.without.invitations
    from report.format import integer

    # Counts read as a person reads them (report.format: "1.234" in Dutch), in both places.
    assert any(f"{integer(sized.size.invitations)} uitnodigingen" in i.value for i in at.info), [
        i.value for i in at.info
    ]
    deff = f"{sized.deff_allocation:.2f}".replace(".", ",")
    caption = next(c.value for c in at.caption if "Designeffect van de allocatie" in c.value)
    assert f"N_h/n_h): {deff}." in caption
    assert f"zouden {integer(sized.without.invitations)} uitnodigingen volstaan" in caption
    at.button(key="draw").click().run()
    assert not at.exception, at.exception
    shown = [c.value for c in at.caption if "Designeffect van de allocatie (Kish):" in c.value]
    assert shown and f"(Kish): {deff};" in shown[0] and "doel ±10,0%" in shown[0]


def test_size_from_a_margin_of_error_and_post_contact_upload(page):
    import datetime as dt

    from sampling.size import sample_size

    at, engine, wave_id = page
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(frame_table()))
    at.radio(key="size_mode").set_value("moe").run()
    at.number_input(key="moe").set_value(8.0).run()  # percent, as the page asks
    at.number_input(key="rr").set_value(50.0).run()
    expected = sample_size(0.08, population=N_FRAME, response_rate=0.5)
    assert any(f"{expected.invitations} uitnodigingen" in i.value for i in at.info)
    at.button(key="draw").click().run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        n, parameters = conn.execute(
            sa.select(schema.samples.c.n, schema.samples.c.parameters)
        ).one()
    assert n == expected.invitations and parameters["target_moe"] == pytest.approx(0.08)
    assert parameters["expected_completes"] == expected.completes

    recent = (dt.date.today() - dt.timedelta(days=4)).strftime("%d/%m/%Y")
    export = pd.DataFrame(
        {"id": ["P00001", "P00002", "P00002", "ONBEKEND"], "procedure": ["stageplan"] * 4,
         "datum": [recent] * 4}
    )  # fmt: skip
    at.file_uploader(key="pc_file").set_value(
        ("indieningen.csv", export.to_csv(index=False, sep=";").encode(), "text/csv")
    ).run()
    at.button(key="pc_make").click().run()
    assert not at.exception, at.exception
    lines = [x.value for x in at.text]
    assert any("2 post-contactuitnodigingen aangemaakt" in line for line in lines)
    assert counts(engine)["post_contact_log"] == 2


def test_a_drawn_wave_shows_the_design_it_was_drawn_with(page):
    at, engine, wave_id = page
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(frame_table()))
    from ktm.services import sampling as svc

    svc.draw_sample(engine, wave_id, "profession", "proportional", n=70, seed=77, minimum=5)
    at = new_app().run()  # a later visit, not the session that uploaded the frame
    login(at)
    at.switch_page("views/sampling.py").run()
    assert not at.exception, at.exception
    assert at.number_input(key="n").value == 70  # not the form's default of 400
    assert at.number_input(key="minimum").value == 5
    assert any("ontwerp waarmee de huidige steekproef" in i.value for i in at.info)


def test_a_census_has_no_margin_of_error_in_words_not_zero(page):
    """A census invites everyone: the page says there is no sampling error, never ±0,0%."""
    at, engine, wave_id = page
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(frame_table()))
    from ktm.services import sampling as svc

    svc.draw_sample(engine, wave_id, "profession", "census", seed=3)
    at = new_app().run()
    login(at)
    at.switch_page("views/sampling.py").run()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if "Designeffect van de allocatie" in c.value]
    assert said and "0,0%" not in said[0]
    assert "geen: iedereen in het kader wordt bevraagd (volledige telling)" in said[0]
    designs = _table_with(at, "Volledige telling")  # the designs side by side
    assert set(designs["Volledige telling"]) == {"geen steekproeffout (iedereen)"}
    assert not designs.isin(["0,0%"]).any().any()
    at.selectbox(key="method").set_value("proportional").run()
    at.number_input(key="n").set_value(40).run()
    designs = _table_with(at, "Volledige telling")
    assert designs.loc["Totaal", "Proportioneel"].endswith("%")  # a sample keeps its margin
    assert "," in designs.loc["Totaal", "Proportioneel"]
