"""ktm.config: the one settings object, read from the environment."""

from __future__ import annotations

import pytest

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


def test_login_proxy_and_mail_settings():
    s = settings(
        {
            "KTM_TEAM_PASSWORD_HASH": " $argon2id$x \n",
            "KTM_TRUSTED_PROXY": "1",
            "KTM_SMTP_HOST": "smtp.example.org",
            "KTM_SMTP_SENDER": "a@example.org",
            "KTM_PUBLIC_URL": "https://ktm.example.be/",
        }
    )
    assert s.team_password_hash == "$argon2id$x" and s.trusted_proxies == 1 and s.smtp_configured
    assert s.smtp == {"KTM_SMTP_HOST": "smtp.example.org", "KTM_SMTP_SENDER": "a@example.org"}
    assert s.public_url == "https://ktm.example.be"
    with pytest.raises(ValueError, match="KTM_TRUSTED_PROXY='yes'"):
        settings({"KTM_TRUSTED_PROXY": "yes"})  # a count of proxies, not a yes/no
    none = settings({})
    assert not none.trusted_proxies and not none.smtp_configured and none.team_password_hash is None
    assert none.database_url == f"sqlite:///{none.data_dir / 'ktm.sqlite3'}"
