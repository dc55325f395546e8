from __future__ import annotations

from tests.dashboard.conftest import open_page, texts


def test_methodology_answers_the_parliamentary_questions_from_stored_facts(team_app):
    at = open_page(team_app, "views/methodology.py", wave_name="Meting 2025-2026")
    numbers = [e.label.split(".")[0] for e in at.expander]
    assert numbers[:3] == ["1", "2", "3"]
    assert "11" in numbers and "9" not in numbers and "10" not in numbers
    assert {"4a", "4d", "4e", "6a", "7a", "7b", "8a", "8b"} <= set(numbers)
    out = texts(at)
    assert "Jaarlijks, in het najaar" in out  # the stored frequency
    assert "November 2026 - januari 2027" in out  # the stored next wave
    assert "Bron: waves.next_wave_planned" in out
    assert "Meting 2024-2025" in out  # 8: the previous wave
    tables = {d.value.columns[0]: d.value for d in at.dataframe}
    strata = tables["Stratum"]

    def total(column):  # counts as a person reads them (report.format: 1.234 in Dutch)
        return sum(int(v.replace(".", "")) for v in strata[column])

    assert total("Steekproef n_h") == 1500 and total("Populatie N_h") == 5323
    steps = tables["Stap"]
    assert list(steps["Stap"])[0] == "Designgewichten (steekproef)"
    assert tables["Jaar"]["Klachten"].tolist() == ["142", "159", "127"]  # report.format's text
    assert "door de eigen diensten" in out and "€ 0" in out
