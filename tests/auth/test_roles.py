"""Roles are configured, not coded (issue 24): who has which role, what each role may do."""

from __future__ import annotations

import pytest

from ktm import roles
from ktm.config import settings


def test_the_default_roles_split_reading_from_managing():
    table = settings({}).roles
    assert table["reader"] == {"dashboard", "results", "trend", "methodology",
                               "publication_export"}  # fmt: skip
    assert table["manager"] == set(roles.PERMISSIONS)
    for manager_only in ("waves", "sampling", "invitations", "paper_answers", "actions",
                         "internal_export", "anonymise", "publish", "audit"):  # fmt: skip
        assert manager_only not in table["reader"]


def test_roles_come_from_the_lists_of_addresses(monkeypatch):
    monkeypatch.setenv("KTM_MANAGERS", "An.Peeters@vlaanderen.be, jan@vlaanderen.be")
    monkeypatch.setenv("KTM_READERS", "kabinet@vlaanderen.be")
    assert roles.role_for_identity("an.peeters@VLAANDEREN.be") == ("manager", "list")
    assert roles.role_for_identity("kabinet@vlaanderen.be") == ("reader", "list")
    assert roles.role_for_identity("iemand@vlaanderen.be") == (None, "none")
    assert roles.role_for_identity(None) == (None, "none")


def test_roles_come_from_a_claim_of_the_identity_token(monkeypatch):
    monkeypatch.setenv("KTM_ROLE_CLAIM", "groups")
    monkeypatch.setenv("KTM_ROLE_CLAIM_VALUES", "ktm-beheer=manager,ktm-lezer=reader")
    assert roles.role_for_identity("a@x.be", {"groups": ["andere", "ktm-lezer"]}) == (
        "reader",
        "claim",
    )
    # The highest role found counts; a single string is a list of one.
    assert roles.role_for_identity("a@x.be", {"groups": ["ktm-lezer", "ktm-beheer"]})[0] == (
        "manager"
    )
    assert roles.role_for_identity("a@x.be", {"groups": "manager"})[0] == "manager"
    assert roles.role_for_identity("a@x.be", {"groups": ["andere"]}) == (None, "none")
    assert roles.role_for_identity("a@x.be", {}) == (None, "none")


def test_the_permissions_of_a_role_are_configured_in_a_file(monkeypatch, tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('[roles]\nreader = ["results"]\nauditor = ["audit", "results"]\n')
    monkeypatch.setenv("KTM_ROLES_FILE", str(path))
    table = settings().roles
    assert table["reader"] == {"results"} and table["auditor"] == {"audit", "results"}
    assert table["manager"] == set(roles.PERMISSIONS)  # not named: the default
    with roles.acting_as(roles.Actor("lezer@x.be", "reader", "oidc")):
        with pytest.raises(roles.Refused):
            roles.require("trend")
        roles.require("results")
    path.write_text('[roles]\nreader = ["resultaten"]\n')
    with pytest.raises(ValueError, match="unknown permissions"):
        settings()


def test_a_refusal_says_who_may_not_do_what_in_dutch_and_english():
    reader = roles.Actor("kabinet@vlaanderen.be", "reader", "oidc")
    with roles.acting_as(reader), pytest.raises(roles.Refused) as refused:
        roles.require("sampling")
    text = str(refused.value)
    assert "als lezer mag u niet het kader inlezen" in text
    assert "as a reader you may not import the frame" in text
    nobody = roles.Actor("x@y.be", None, "oidc")
    with roles.acting_as(nobody), pytest.raises(roles.Refused, match="geen toegang"):
        roles.require("results")


def test_outside_the_web_server_the_operating_system_user_acts_as_a_manager():
    import getpass

    actor = roles.current()
    assert actor == roles.Actor(f"{getpass.getuser()} (cli)", "manager", "cli")
    assert roles.cli_actor("An Peeters") == roles.Actor("An Peeters", "manager", "cli")
    assert roles.password_actor().name == "team (gedeeld wachtwoord)"
    assert roles.password_actor().role == "manager"
