"""Downloads expire (issue 19.4): a file handed out by a download button is retrievable for
KTM_DOWNLOAD_TTL_S after the click and never after; other media are untouched."""

from __future__ import annotations

import time

import pytest
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage


@pytest.fixture
def storage(monkeypatch):
    from ktm import webapp

    monkeypatch.setenv("KTM_DOWNLOAD_TTL_S", "0.3")
    # Patch a fresh copy of the class methods for this test only.
    monkeypatch.setattr(webapp, "_DOWNLOADS_PROTECTED", False)
    monkeypatch.setattr(
        MemoryMediaFileStorage, "load_and_get_id", MemoryMediaFileStorage.load_and_get_id
    )
    monkeypatch.setattr(MemoryMediaFileStorage, "get_file", MemoryMediaFileStorage.get_file)
    webapp.protect_downloads()
    return MemoryMediaFileStorage("/media")


def test_a_download_expires_after_its_time(storage):
    file_id = storage.load_and_get_id(b"microdata", "text/csv", MediaFileKind.DOWNLOADABLE, "d.csv")
    assert storage.get_file(f"{file_id}.csv").content == b"microdata"
    time.sleep(0.5)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(f"{file_id}.csv")
    with pytest.raises(MediaFileStorageError):  # and it is gone, not merely hidden
        storage.get_file(f"{file_id}.csv")


def test_a_new_click_hands_the_same_file_out_afresh(storage):
    file_id = storage.load_and_get_id(b"x", "text/csv", MediaFileKind.DOWNLOADABLE, "d.csv")
    time.sleep(0.5)
    again = storage.load_and_get_id(b"x", "text/csv", MediaFileKind.DOWNLOADABLE, "d.csv")
    assert again == file_id
    assert storage.get_file(f"{file_id}.csv").content == b"x"


def test_images_do_not_expire(storage):
    file_id = storage.load_and_get_id(b"png", "image/png", MediaFileKind.MEDIA, None)
    time.sleep(0.5)
    assert storage.get_file(f"{file_id}.png").content == b"png"
