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


def test_wave_show_names_the_questionnaire_and_writes_dutch_numbers(sqlite_url, capsys):
    """The questionnaire by its title and version (the hash short, after it), and every number
    in Dutch: 12,5%, never 12.5%."""
    from pathlib import Path

    import yaml

    source = Path(__file__).resolve().parents[2] / "data" / "questionnaire" / "eloket.yaml"
    q = yaml.safe_load(source.read_text(encoding="utf-8"))
    db = ["--database", sqlite_url]
    assert main([*db, "questionnaire", "publish", str(source)]) == 0
    qhash = capsys.readouterr().out.split("hash ")[1].split()[0]
    created = [*db, "wave", "create", "--name", "Meting vragenlijst", "--questionnaire", "latest",
               "--min-rr", "12,5", "--cost", "1250.5", "--start", "2026-11-02"]  # fmt: skip
    assert main(created) == 0
    capsys.readouterr()
    assert main([*db, "wave", "show", "1"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("  vragenlijst / questionnaire: "))
    assert line == (
        f"  vragenlijst / questionnaire: {q['title']['nl']} / {q['title']['en']} "
        f"({q['id']}, versie/version {q['version']}; {qhash[:8]})"
    )
    assert qhash not in out  # the full hash says nothing to the team
    assert "  min. responsgraad / min. response rate: 12,5%" in out.splitlines()
    assert "  kostprijs / cost (EUR): 1.250,5" in out.splitlines()
    assert "  begin veldwerk / fieldwork start: 2 november 2026" in out.splitlines()
