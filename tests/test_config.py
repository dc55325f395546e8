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


def test_pool_size_and_retention_are_settings():
    """The store takes these as parameters; ktm.config reads and checks them."""
    none = settings({})
    assert none.db_pool_size == 5 and none.retention_days == 365
    s = settings({"KTM_DB_POOL_SIZE": " 3 ", "KTM_RETENTION_DAYS": "90"})
    assert s.db_pool_size == 3 and s.retention_days == 90
    for bad in ("vijf", "0", "2.5"):
        with pytest.raises(ValueError, match="KTM_DB_POOL_SIZE"):
            _ = settings({"KTM_DB_POOL_SIZE": bad}).db_pool_size
    with pytest.raises(ValueError, match="KTM_RETENTION_DAYS='een jaar' is geen geheel aantal"):
        _ = settings({"KTM_RETENTION_DAYS": "een jaar"}).retention_days
