from __future__ import annotations

from pathlib import Path

import pytest

import survey

ROOT = Path(__file__).resolve().parents[2]
ELOKET = ROOT / "data" / "questionnaire" / "eloket.yaml"


@pytest.fixture(scope="session")
def eloket() -> survey.Questionnaire:
    return survey.load_questionnaire(ELOKET)


@pytest.fixture
def write(tmp_path):
    """Write text to a file in tmp_path and return its path."""

    def _write(text: str, name: str = "q.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
