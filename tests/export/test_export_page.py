"""The export page through the real app (AppTest), on a copy of the demo world."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from tests.app.conftest import TEAM_PASSWORD, new_app


@pytest.fixture
def demo_app(monkeypatch, tmp_path, demo_url):
    from ktm.auth import hash_password

    monkeypatch.setenv("KTM_DATABASE_URL", demo_url)
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KTM_TEAM_PASSWORD_HASH", hash_password(TEAM_PASSWORD))
    from tests.app.conftest import ROOT

    monkeypatch.chdir(ROOT)
    return demo_url


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The bytes handed to st.download_button, by MIME type (AppTest's media store is a mock
    runtime's, gone after the run, so record them on the way in)."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id
    deferred = MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes):
            seen[mimetype] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        # Files are made on the click only (issue 19.4): what a click would hand out.
        seen.setdefault("deferred", {})[mimetype] = data_callable
        return deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return seen


def _clicked(downloads: dict, mime: str) -> bytes:
    """The bytes a click on the download button gives (the deferred callable's)."""
    assert mime not in downloads  # nothing was stored on the server before the click
    return downloads["deferred"][mime]()


def test_export_page_builds_the_workbook_for_the_chosen_wave(demo_app, downloads):
    from tests.app.conftest import login

    at = new_app().run()
    login(at)
    at.switch_page("views/export.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Excel-export"]
    assert not at.get("download_button")  # nothing built before asking
    at.sidebar.selectbox[0].select(2).run()  # the last closed wave of the demo
    at.button[0].click().run(timeout=240)  # analyses two waves (trend) on a loaded machine
    assert not at.exception, at.exception
    buttons = at.get("download_button")
    assert [b.label for b in buttons] == [
        "Excel-werkmap downloaden",
        "Data en codeboek als CSV (zip)",
    ]
    assert buttons[0].proto.deferred_file_id and not buttons[0].proto.url
    # A click makes the file and starts no run: a run starting while the file's URL waits to
    # be sent would drop it from Streamlit's outgoing queue (the button then spins for ever).
    assert all(b.proto.ignore_rerun for b in buttons)
    xlsx = _clicked(downloads, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    assert wb.sheetnames[:2] == ["Leesmij", "Verantwoording"]
    leesmij = next(wb["Leesmij"].iter_rows(min_row=4, max_row=4, values_only=True))
    assert "Meting 2025-2026" in leesmij[1]
    with zipfile.ZipFile(io.BytesIO(_clicked(downloads, "application/zip"))) as z:
        assert sorted(n.rsplit("/", 1)[-1] for n in z.namelist()) == ["codeboek.csv", "data.csv"]


def test_export_page_offers_spss_and_the_word_answer(demo_app, downloads):
    import pyreadstat

    from tests.app.conftest import login

    at = new_app().run()
    login(at)
    at.switch_page("views/export.py").run()
    at.sidebar.selectbox[0].select(2).run()
    fmt = at.selectbox(key="export_format")
    assert fmt.options[:2] == ["SPSS (.sav)", "Stata (.dta)"]
    fmt.select("sav").run()
    at.button(key="build_other").click().run(timeout=240)
    assert not at.exception, at.exception
    with zipfile.ZipFile(io.BytesIO(_clicked(downloads, "application/zip"))) as z:
        assert sorted(z.namelist()) == ["codeboek.csv", "data.sav", "ontwerp.R", "ontwerp.sps"]
        sav = z.read("data.sav")
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".sav") as fh:
        fh.write(sav)
        fh.flush()
        _, meta = pyreadstat.read_sav(fh.name, metadataonly=True)
    assert meta.variable_value_labels["aanmelden"][5] == "Zeer tevreden"
    at.selectbox(key="export_format").select("docx").run()
    at.button(key="build_other").click().run(timeout=240)
    assert not at.exception, at.exception
    docx_mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    from report.docx import answer_texts

    assert answer_texts(_clicked(downloads, docx_mime))[0].startswith("Schriftelijke vraag nr. 192")
