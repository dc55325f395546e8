"""Downloads belong to their login and expire (issue 19.4): the storage that serves /media
answers a download only to a request carrying the cookie of the login that clicked, for
KTM_DOWNLOAD_TTL_S after the click, never after that login's logout; a file nobody claimed is
refused to everyone; images are untouched. The real server: tests/browser/test_download_session.py.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError

from ktm import auth, downloads

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"s" * 32
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def storage(monkeypatch):
    monkeypatch.setattr(downloads, "REGISTRY", downloads.Registry(0.5))
    return downloads.SessionBoundStorage("/media")


def login(expires_in: float = 3600, user: str = "team"):
    expires = int(time.time() + expires_in)
    owner = downloads.Owner("password", user, expires, secret=SECRET)
    cookie = {auth.SESSION_COOKIE: auth.make_session(SECRET, user, "nl", expires)}
    return owner, cookie


def click(storage, owner, data=b"microdata", name="export.xlsx") -> str:
    """What webapp.download_button's callable and Streamlit's execute_deferred do."""
    downloads.REGISTRY.claim(downloads.REGISTRY.file_id(data, XLSX, name), owner)
    file_id = storage.load_and_get_id(data, XLSX, MediaFileKind.DOWNLOADABLE, name)
    assert storage.get_url(file_id).startswith("/media/")  # Streamlit's own look-up passes
    return f"{file_id}.xlsx"


def fetch(storage, name, cookies):
    """A request to /media/<name> with these cookies, as the middleware hands it over."""
    token = downloads._REQUEST_COOKIES.set(cookies)
    try:
        return storage.get_file(name).content
    finally:
        downloads._REQUEST_COOKIES.reset(token)


def test_only_the_login_that_clicked_gets_the_file(storage):
    owner, cookie = login()
    name = click(storage, owner)
    assert fetch(storage, name, cookie) == b"microdata"
    with pytest.raises(MediaFileStorageError):
        fetch(storage, name, {})  # no cookie: any client that has the URL
    _, other = login(expires_in=7200)  # another valid team login
    with pytest.raises(MediaFileStorageError):
        fetch(storage, name, other)
    forged = {auth.SESSION_COOKIE: auth.make_session(b"x" * 32, "team", "nl", owner.expires)}
    with pytest.raises(MediaFileStorageError):
        fetch(storage, name, forged)
    assert fetch(storage, name, cookie) == b"microdata"  # refusals do not delete it


def test_a_download_expires_after_its_time(storage):
    owner, cookie = login()
    name = click(storage, owner)
    time.sleep(0.7)
    with pytest.raises(MediaFileStorageError):
        fetch(storage, name, cookie)
    with pytest.raises(MediaFileStorageError):  # and it is gone, not merely hidden
        storage.get_file(name)


def test_an_expired_login_gets_nothing(storage):
    owner, cookie = login(expires_in=1)
    name = click(storage, owner)
    time.sleep(1.1)
    with pytest.raises(MediaFileStorageError):
        fetch(storage, name, cookie)


def test_after_logout_not_even_a_copied_cookie_gets_it(storage):
    owner, cookie = login()
    name = click(storage, owner)
    downloads.REGISTRY.end(owner)
    with pytest.raises(MediaFileStorageError):
        fetch(storage, name, cookie)
    with pytest.raises(PermissionError):  # and the login makes no new one
        click(storage, owner, b"other")


def test_a_new_click_hands_the_same_file_out_afresh(storage):
    owner, cookie = login()
    name = click(storage, owner)
    time.sleep(0.7)
    assert click(storage, owner) == name
    assert fetch(storage, name, cookie) == b"microdata"


def test_a_file_nobody_claimed_is_refused(storage):
    owner, cookie = login()
    file_id = storage.load_and_get_id(b"x", "text/csv", MediaFileKind.DOWNLOADABLE, "d.csv")
    with pytest.raises(MediaFileStorageError):
        fetch(storage, f"{file_id}.csv", cookie)


def test_the_oidc_login_is_recognised_by_streamlits_user_cookie(storage):
    sent = {"_streamlit_user": "signed-a", "_streamlit_user__1": "signed-b", "other": "x"}
    owner = downloads.Owner("oidc", "a@vlaanderen.be", oidc_cookies=downloads.oidc_cookies(sent))
    assert owner.oidc_cookies == (
        ("_streamlit_user", "signed-a"),
        ("_streamlit_user__1", "signed-b"),
    )
    name = click(storage, owner)
    assert fetch(storage, name, sent) == b"microdata"
    with pytest.raises(MediaFileStorageError):
        fetch(storage, name, {"_streamlit_user": "signed-a"})


def test_images_are_served_to_anyone(storage):
    file_id = storage.load_and_get_id(b"png", "image/png", MediaFileKind.MEDIA, None)
    time.sleep(0.7)
    assert fetch(storage, f"{file_id}.png", {}) == b"png"


def test_every_download_of_the_app_goes_through_webapp():
    """A bare st.download_button's file would be claimed by no login, so refused: the pages
    use webapp.download_button."""
    bare = []
    for path in [ROOT / "app.py", *sorted((ROOT / "views").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                via_webapp = isinstance(owner, ast.Name) and owner.id == "webapp"
                if node.func.attr == "download_button" and not via_webapp:
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == []
