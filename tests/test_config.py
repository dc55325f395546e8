"""ktm.config: the one settings object, read from the environment."""

from __future__ import annotations

from ktm.config import settings
from report.organisation import Organisation


def test_the_organisation_comes_from_the_environment_with_the_e_loket_as_default():
    assert settings({}).organisation == Organisation(
        "Departement Zorg", "Flemish Department of Care", "Zorgberoepen", "1700"
    )
    other = settings(
        {
            "KTM_ORG_DEPARTMENT": "Departement Welzijn",
            "KTM_ORG_DEPARTMENT_EN": "Flemish Department of Welfare",
            "KTM_ORG_TEAM": "Verpleegkunde",
            "KTM_ORG_CONTACT": "02 553 00 00",
        }
    ).organisation
    assert other.sender_name == "Departement Welzijn – Verpleegkunde"
    assert other.names()["contact"] == "02 553 00 00"
    assert settings({"KTM_ORG_TEAM": "  "}).organisation.team == "Zorgberoepen"  # blank: default
