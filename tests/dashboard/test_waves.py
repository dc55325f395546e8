from __future__ import annotations

import sqlalchemy as sa

from store import schema
from tests.dashboard.conftest import open_page, texts


def _wave(url, name):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(schema.waves).where(schema.waves.c.name == name)).mappings()
        out = row.first()
    engine.dispose()
    return None if out is None else dict(out)


def test_edit_the_stored_facts_and_close_the_wave(team_app_rw, dash_env):
    at = open_page(team_app_rw, "views/waves.py")
    assert "Demowereld" in texts(at)
    prefix = f"edit{_wave(dash_env, 'Meting 2026-2027')['id']}"
    at.text_input(key=f"{prefix}_next").input("Najaar 2027")
    at.number_input(key=f"{prefix}_k").set_value(10)
    at.number_input(key=f"{prefix}_cost").set_value(1250.0)
    at.selectbox(key=f"{prefix}_execution").select("mixed")
    at.text_area(key=f"{prefix}_methods").input("Klachten | Complaints\nFocusgroep")
    at.button(key=f"FormSubmitter:{prefix}_form-Bewaren").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Gegevens bewaard." in texts(at)
    stored = _wave(dash_env, "Meting 2026-2027")
    assert stored["next_wave_planned"] == "Najaar 2027"
    assert stored["disclosure_k"] == 10 and stored["cost_eur"] == 1250.0
    assert stored["execution"] == "mixed"
    assert stored["other_methods"]["methods"] == [
        {"nl": "Klachten", "en": "Complaints"},
        {"nl": "Focusgroep", "en": "Focusgroep"},
    ]
    assert stored["other_methods"]["complaints"] == {"2021": 142, "2022": 159, "2023": 127}
    assert stored["min_response_rate"] == 0.3  # untouched facts stay as they were

    at.button(key="w_close").click().run()
    assert _wave(dash_env, "Meting 2026-2027")["status"] == "open"  # asks first
    assert "afsluiten?" in " ".join(w.value for w in at.warning)
    at.button(key="w_close_yes").click().run()
    assert _wave(dash_env, "Meting 2026-2027")["status"] == "closed"
    assert "De bevraging is afgesloten." in texts(at)


def test_create_a_wave_and_refuse_bad_input(team_app_rw, dash_env):
    import datetime as dt

    at = open_page(team_app_rw, "views/waves.py")
    at.text_input(key="new_name").input("Meting 2024-2025")  # taken
    at.date_input(key="new_start").set_value(dt.date(2027, 11, 8))
    at.date_input(key="new_end").set_value(dt.date(2027, 11, 1))
    at.button(key="FormSubmitter:new_form-Bewaren").click().run()
    errors = "\n".join(e.value for e in at.error)
    assert "bestaat al een bevraging" in errors and "vóór het begin" in errors
    assert _wave(dash_env, "Meting 2027-2028") is None

    at.text_input(key="new_name").input("Meting 2027-2028")
    at.date_input(key="new_end").set_value(dt.date(2028, 1, 28))
    at.button(key="FormSubmitter:new_form-Bewaren").click().run()
    assert not at.error, [e.value for e in at.error]
    new = _wave(dash_env, "Meting 2027-2028")
    assert new["status"] == "draft" and new["fieldwork_start"] == dt.date(2027, 11, 8)
    assert new["objectives"].startswith("Meten hoe tevreden")  # copied from the chosen wave
    assert at.sidebar.selectbox(key="wave_select").value == new["id"]


def test_an_open_wave_shows_its_open_link_with_a_qr_code(team_app, shared_env):
    at = open_page(team_app, "views/waves.py", "Meting 2026-2027")
    wave = _wave(shared_env, "Meting 2026-2027")
    link = f"http://localhost:8501/?wave={wave['id']}"
    assert link in [c.value for c in at.code]
    img = next(m.value for m in at.markdown if m.value.startswith("<img"))
    assert 'src="data:image/svg+xml' in img and f'alt="QR-code van de open link {link}"' in img
    assert "?wave=open" in texts(at)
    downloads = [b.proto.label for b in at.get("download_button")]
    assert any("PNG" in d for d in downloads) and any("SVG" in d for d in downloads)


def test_a_draft_says_what_it_needs_and_cannot_open_yet(team_app_rw, dash_env):
    at = open_page(team_app_rw, "views/waves.py")
    at.text_input(key="new_name").input("Meting 2027-2028")
    at.button(key="FormSubmitter:new_form-Bewaren").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Bevraging aangemaakt." in texts(at)
    out = texts(at)
    assert "Nog nodig om het veldwerk te openen" in out
    assert "veldwerkdata ontbreken" in out and "nog geen steekproef getrokken" in out
    assert at.button(key="w_open").disabled
    # A draft can be deleted, after a second click.
    at.button(key="w_delete").click().run()
    assert _wave(dash_env, "Meting 2027-2028") is not None
    at.button(key="w_delete_yes").click().run()
    assert _wave(dash_env, "Meting 2027-2028") is None
    assert "De bevraging is verwijderd." in texts(at)


def test_a_copied_wave_leaves_out_the_next_wave_and_says_so(team_app_rw, dash_env):
    at = open_page(team_app_rw, "views/waves.py", "Meting 2026-2027")
    assert _wave(dash_env, "Meting 2026-2027")["next_wave_planned"]  # the demo wave has one
    assert at.checkbox(key="w_copy").value
    assert at.text_input(key="new_next").value == ""  # never the old wave's next measurement
    assert at.text_area(key="new_objectives").value.startswith("Meten hoe tevreden")
    assert "de volgende meting (vraag 11): vul die hieronder in" in texts(at)


def test_opening_early_is_said_on_the_page(team_app_rw, dash_env):
    import datetime as dt

    from report.format import date

    start = dt.date.today() + dt.timedelta(days=30)
    at = open_page(team_app_rw, "views/waves.py")
    at.text_input(key="new_name").input("Meting vroeg")
    at.date_input(key="new_start").set_value(start)
    at.date_input(key="new_end").set_value(start + dt.timedelta(days=60))
    at.button(key="FormSubmitter:new_form-Bewaren").click().run()
    assert not at.error, [e.value for e in at.error]
    warnings = " ".join(w.value for w in at.warning)
    assert f"het veldwerk begint pas op {date(start, 'nl')}" in warnings


def test_the_questionnaire_versions_table_has_a_header_for_every_column(team_app, shared_env):
    at = open_page(team_app, "views/waves.py")
    table = next(d.value for d in at.dataframe if "Vragenlijst" in d.value.columns)
    assert list(table.columns) == ["Vragenlijst", "Versie", "Kenmerk (hash)", "Bevragingen", "Demo"]
