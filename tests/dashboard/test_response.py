from __future__ import annotations

import sqlalchemy as sa

from store import schema
from tests.dashboard.conftest import live_caches_expire, metric, open_page, texts


def _table(at, first_header: str):
    found = [d.value for d in at.dataframe if d.value.columns[0] == first_header]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_response_page_shows_the_fieldwork_view(team_app):
    at = open_page(team_app, "views/response.py")
    out = texts(at)
    assert len(at.get("vega_lite_chart")) == 2  # completes over time, rates per stratum
    strata = _table(at, "Stratum").set_index("Stratum")
    # The demo's open wave, from the dispositions (tests/analysis checks the arithmetic).
    total = strata.loc["Totaal"]
    assert total["Volledig (I)"] == "370" and total["In orde"] == "nee"
    pharm = strata.loc["Ziekenhuisapotheker in opleiding"]
    assert pharm["Volledig (I)"] == "17" and pharm["Nog nodig"] == "13"  # 30 completes minimum
    # Reminders: the strata short of their minimum, most needed first, and the total.
    assert "**Totaal**: de responsgraad 27,4% ligt onder het minimum 30%" in out
    first = out.index("**Tandarts-specialist in opleiding**: nog 14")
    assert first < out.index("**Ziekenhuisapotheker in opleiding**: nog 13")
    assert "**Huisarts in opleiding**: nog" not in out  # meets its minimum
    rep = _table(at, "Kenmerk")
    assert list(rep["Kenmerk"])[:2] == ["Beroep", "Opleidingsjaar"]
    assert rep.set_index("Kenmerk").loc["Beroep", "p na weging"] == "1,000"  # raked on it
    assert 0 < float(metric(at, "R").value.replace(",", ".")) < 1
    assert any(d.value.columns[-1] == "Partiële R (Pu)" for d in at.dataframe)


def test_reminder_targets_say_when_a_minimum_is_out_of_reach(team_app_rw, dash_env):
    engine = sa.create_engine(dash_env)
    with engine.begin() as conn:  # every pharmacist still outstanding has opted out
        conn.execute(
            sa.update(schema.invitations)
            .where(
                schema.invitations.c.stratum == "ziekenhuisapotheker",
                schema.invitations.c.disposition.in_(["invited", "opened"]),
            )
            .values(disposition="opted_out")
        )
    engine.dispose()
    live_caches_expire()  # as after LIVE_TTL seconds
    at = open_page(team_app_rw, "views/response.py")
    out = texts(at)
    assert "**Ziekenhuisapotheker in opleiding**: nog 13 volledige antwoorden nodig, maar" in out
