"""`ktm wave show` prints every fact given to `wave create`, in words (never Python's True)."""

from __future__ import annotations

from ktm.cli import main


def test_wave_show_prints_every_fact_in_words(sqlite_url, capsys):
    created = [
        "--database", sqlite_url, "wave", "create", "--name", "Meting feiten",
        "--objectives", "Tevredenheid meten", "--population", "Alle artsen in opleiding",
        "--mode", "Digitaal (webbevraging)", "--execution", "in_house", "--cost", "0",
        "--execution-rationale", "Eigen team", "--aspects-rationale", "Uit de klachten",
        "--communication", "Op de website", "--method", "Klachtenbehandeling | Complaints handling",
        "--complaints", "2025=117", "--post-contact",
    ]  # fmt: skip
    assert main(created) == 0
    capsys.readouterr()
    assert main(["--database", sqlite_url, "wave", "show", "1"]) == 0
    out = capsys.readouterr().out
    assert "True" not in out and "False" not in out
    for line in (
        "  bevraging na contact / post-contact: ja / yes",
        "  doelstellingen / objectives: Tevredenheid meten",
        "  populatie / population: Alle artsen in opleiding",
        "  wijze / mode: Digitaal (webbevraging)",
        "  kostprijs / cost (EUR): 0",
        "  keuze aspecten / aspects rationale: Uit de klachten",
        "  terugkoppeling / communication: Op de website",
        "  andere methode / other method: Klachtenbehandeling | Complaints handling",
        "  klachten / complaints 2025: 117",
    ):
        assert line in out.splitlines(), line
