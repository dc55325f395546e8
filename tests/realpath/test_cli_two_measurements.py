"""Two real measurements from an EMPTY database (never seeded) with only `ktm` commands
(issue 16): questionnaire v1 and v2 (the overall question reworded) published, frames
imported, waves created, samples drawn, links issued, bounces imported, answers given and
paper answers imported from a file, waves closed, the Excel workbook exported (question 8 says
the reworded question is not compared). No demo row exists at any point.

The respondents answer through the store's survey calls (store.responses: open the link,
start, save each page, complete), as the web survey does; everything the team does is a
`ktm` command.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import sqlalchemy as sa
import yaml

from ktm.cli import main
from store import responses as R
from store import schema
from store.db import get_engine

UNIVERSITY_CODES = {"KU Leuven": "kuleuven", "UGent": "ugent", "UAntwerpen": "uantwerpen",
                    "VUB": "vub", "UHasselt": "uhasselt"}  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = ROOT / "data" / "questionnaire" / "eloket.yaml"
REWORDED_NL = "Welk rapportcijfer van 0 tot 10 geeft u het e-loket globaal?"
REWORDED_EN = "All in all, what mark from 0 to 10 would you give the e-loket?"
SIZES = [
    {"arts_specialist": 420, "huisarts": 200, "algemeen_tandarts": 60, "ziekenhuisapotheker": 25},
    {"arts_specialist": 440, "huisarts": 190, "algemeen_tandarts": 65, "ziekenhuisapotheker": 30},
]
FACTS = [
    "--frequency", "Jaarlijks, in het najaar",
    "--objectives", "Meten hoe tevreden artsen in opleiding zijn over het e-loket.",
    "--population", "Alle zorgbeoefenaars in opleiding met een lopend dossier.",
    "--mode", "Digitaal (webbevraging)",
    "--min-rr", "30", "--min-rr-stratum", "20", "--min-completes", "5",
    "--execution", "in_house", "--cost", "0",
    "--execution-rationale", "Door het team zelf, met open-sourcesoftware.",
    "--aspects-rationale", "De stappen van een aanvraag in het e-loket.",
    "--communication", "Een e-mail aan wie dat vroeg, en de publieke pagina.",
    "--method", "Klachtenbehandeling | Complaints handling",
    "--method", "Feedback van 1700 | Feedback from 1700",
    "--complaints", "2024=131", "--complaints", "2025=117",
]  # fmt: skip


def ktm(url: str, *args: str, code: int = 0, capsys=None) -> str:
    rc = main(["--database", url, *args])
    out = capsys.readouterr() if capsys is not None else None
    assert rc == code, (args, rc, out)
    return "" if out is None else out.out + out.err


def no_demo(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        demo_waves = conn.execute(
            sa.select(sa.func.count()).select_from(schema.waves).where(schema.waves.c.demo)
        ).scalar()
        demo_q = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.questionnaire_versions)
            .where(schema.questionnaire_versions.c.demo)
        ).scalar()
        demo_frames = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.frame_snapshots)
            .where(schema.frame_snapshots.c.source_name.like("demo-%"))
        ).scalar()
    engine.dispose()
    assert (demo_waves, demo_q, demo_frames) == (0, 0, 0)


def write_frame(path: Path, seed: int, sizes: dict) -> None:
    from sampling.demo import synthetic_frame

    synthetic_frame(seed, sizes=sizes).to_excel(path, index=False)


def write_v2(path: Path) -> None:
    data = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    data["version"] = "2026.1"
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] == "tevredenheid":
                item["label"] = {"nl": REWORDED_NL, "en": REWORDED_EN}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def answers(rng: np.random.Generator, lift: float) -> dict[str, dict]:
    """One respondent's pages, following the questionnaire's routing."""
    level = rng.normal(lift, 0.8)

    def scale(n: int = 5) -> int:
        return int(np.clip(np.rint(3 + level + rng.normal(0, 0.7)), 1, n))

    procedures = [p for p in ("stageplan", "stagerapport") if rng.random() < 0.7] or [
        "stagerapport"
    ]
    gebruik: dict = {"procedures": procedures}
    if "stageplan" in procedures:
        gebruik["gemak_stageplan"] = scale()
    if "stagerapport" in procedures:
        gebruik["gemak_stagerapport"] = scale()
    aspects = ("aanmelden", "informatie", "formulieren", "documenten", "opvolging",
               "doorlooptijd", "communicatie", "hulp")  # fmt: skip
    knew = bool(rng.random() < 0.5)
    return {
        "gebruik": gebruik,
        "ervaring": {a: (None if a == "hulp" and rng.random() < 0.3 else scale()) for a in aspects},
        "gebruiksgemak": {"umux_1": scale(7), "umux_2": scale(7), "ces": scale(7)},
        "papier": {"kende_papier": "ja" if knew else "nee"}
        | ({"vergelijking_papier": "beter"} if knew else {}),
        "algemeen": {"tevredenheid": int(np.clip(np.rint(6 + 1.5 * level), 0, 10))},
        "resultaten": {"terugkoppeling": "nee"},
    }


def answer_links(url: str, links: list[str], share: float, lift: float, seed: int) -> int:
    engine = get_engine(url)
    rng = np.random.default_rng(seed)
    n = 0
    for link in links:
        if rng.random() > share:
            continue
        token = link.split("?t=")[1].split("&")[0]
        opened = R.open_invitation(engine, token, "cli-test")
        assert isinstance(opened, R.OpenedInvitation), opened
        resp = R.start_or_resume(engine, invitation=opened, language="nl")
        rev = resp["revision"]
        for i, (section, page) in enumerate(answers(rng, lift).items()):
            resp = R.save_page(
                engine, resp["id"], rev, page, {"page": i + 1, "done": []}, section_id=section
            )
            rev = resp["revision"]
        R.complete(engine, resp["id"], rev)
        n += 1
    return n


def one_measurement(url, tmp, capsys, *, k, name, start, end, questionnaire, lift, copy_from):
    frame = tmp / f"kader_{k}.xlsx"
    write_frame(frame, 100 + k, SIZES[k - 1])
    create = ["wave", "create", "--name", name, "--start", start, "--end", end,
              "--questionnaire", questionnaire, "--next-wave", f"Najaar {2025 + k}"]  # fmt: skip
    create += ["--copy-from", str(copy_from)] if copy_from else FACTS
    out = ktm(url, *create, capsys=capsys)
    wave_id = int(out.split("Bevraging ")[1].split()[0])
    assert "Nog nodig om het veldwerk te openen" in out and "steekproef" in out
    no_demo(url)

    # Opening is refused until a sample is drawn, and says what to do.
    out = ktm(url, "wave", "open", str(wave_id), code=2, capsys=capsys)
    assert f"ktm frame import FILE --wave {wave_id}" in out
    ktm(url, "frame", "import", str(frame), "--wave", str(wave_id),
        "--frame-date", start, capsys=capsys)  # fmt: skip
    ktm(url, "sample", "draw", "--wave", str(wave_id), "--strata", "profession",
        "--method", "proportional", "--n", "150", "--minimum", "15", "--seed", str(k),
        capsys=capsys)  # fmt: skip
    no_demo(url)

    # No links for a draft.
    links_file = tmp / f"links_{k}.xlsx"
    out = ktm(url, "invitations", "export", "--wave", str(wave_id), "--out", str(links_file),
              code=2, capsys=capsys)  # fmt: skip
    assert "ontwerp" in out and f"ktm wave open {wave_id}" in out
    assert not links_file.exists()

    ktm(url, "wave", "open", str(wave_id), capsys=capsys)
    ktm(url, "invitations", "export", "--wave", str(wave_id), "--out", str(links_file),
        capsys=capsys)  # fmt: skip
    merge = pd.read_excel(links_file)
    links = merge["persoonlijke_link"].tolist()
    assert len(links) == 150
    # The last ten addresses bounced (the mail-merge route: a list from the mail program).
    bounces = tmp / f"bounces_{k}.csv"
    bounces.write_text("email\n" + "\n".join(merge["email"].tail(10)) + "\n", encoding="utf-8")
    out = ktm(url, "invitations", "bounces", str(bounces), "--wave", str(wave_id), capsys=capsys)
    n = answer_links(url, links[:-10], 0.6, lift, seed=k)
    assert n > 60
    if copy_from:  # paper forms keyed in elsewhere, in the export's Data layout
        earlier = tmp / "antwoorden_vorige.csv"
        ktm(url, "responses", "export", "--wave", str(copy_from), "--out", str(earlier),
            capsys=capsys)  # fmt: skip
        rows = pd.read_csv(earlier, sep=";", encoding="utf-8-sig").head(4)
        # On paper the profile is asked (it is not known from an invitation).
        rows["beroep"] = rows["profession"]
        rows["opleidingsjaar"] = rows["training_year"].astype(int).astype(str)
        rows["universiteit"] = rows["university"].map(UNIVERSITY_CODES)
        rows["terugkoppeling"] = None  # asked only with a personal link
        rows["mode"] = "paper"
        paper = tmp / "papier.csv"
        rows.drop(columns=[c for c in ("response_id", "invitation_id") if c in rows]).to_csv(
            paper, sep=";", index=False, encoding="utf-8-sig"
        )
        out = ktm(url, "responses", "import", str(paper), "--wave", str(wave_id),
                  "--mode", "paper", capsys=capsys)  # fmt: skip
        assert "4 antwoorden ingelezen" in out
    # The weighting: a preview, then stored with the wave (raking to the training year).
    out = ktm(url, "wave", "weighting", str(wave_id), "--margins", "training_year",
              "--trim-upper-ratio", "4", capsys=capsys)  # fmt: skip
    assert "designeffect (Kish)" in out and "training_year" in out
    ktm(url, "wave", "weighting", str(wave_id), "--margins", "training_year",
        "--trim-upper-ratio", "4", "--save", capsys=capsys)  # fmt: skip
    out = ktm(url, "wave", "close", str(wave_id), code=2, capsys=capsys)
    assert "--yes" in out
    ktm(url, "wave", "close", str(wave_id), "--yes", capsys=capsys)
    out = ktm(url, "wave", "delete", str(wave_id), "--yes", code=2, capsys=capsys)
    assert "alleen een bevraging in ontwerp" in out
    no_demo(url)
    return wave_id, n


def test_two_measurements_from_an_empty_database_with_only_ktm(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KTM_PUBLIC_URL", "https://enquete.example.org")
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'ktm.sqlite3'}"
    out = ktm(url, "wave", "list", capsys=capsys)
    assert "Nog geen bevraging" in out
    no_demo(url)

    v1 = tmp_path / "eloket_v1.yaml"
    shutil.copyfile(QUESTIONNAIRE, v1)
    v2 = tmp_path / "eloket_v2.yaml"
    write_v2(v2)
    out = ktm(url, "questionnaire", "publish", str(v1), capsys=capsys)
    assert "opgeslagen / stored" in out
    h1 = out.split("hash ")[1].split()[0]
    out = ktm(url, "questionnaire", "publish", str(v1), capsys=capsys)
    assert "al opgeslagen" in out  # idempotent by hash
    out = ktm(url, "questionnaire", "publish", str(v2), capsys=capsys)
    h2 = out.split("hash ")[1].split()[0]
    assert "anders verwoord / reworded: tevredenheid [nl]" in out and REWORDED_NL in out
    assert "tevredenheid [en]" in out
    out = ktm(url, "questionnaire", "list", capsys=capsys)
    assert h1[:12] in out and h2[:12] in out and "eloket:2026.1" in out
    no_demo(url)

    w1, n1 = one_measurement(
        url, tmp_path, capsys, k=1, name="Meting 2024-2025", start="2024-10-01",
        end="2024-12-15", questionnaire=h1[:10], lift=0.0, copy_from=None,
    )  # fmt: skip
    w2, n2 = one_measurement(
        url, tmp_path, capsys, k=2, name="Meting 2025-2026", start="2025-10-01",
        end="2025-12-15", questionnaire="eloket:2026.1", lift=0.4, copy_from=w1,
    )  # fmt: skip

    out = ktm(url, "wave", "list", capsys=capsys)
    assert "Meting 2024-2025" in out and "Meting 2025-2026" in out and "[demo]" not in out
    out = ktm(url, "wave", "show", str(w2), capsys=capsys)
    assert "afgesloten/closed" in out and f"{n2 + 4} volledig/complete" in out
    assert f"versie/version 2026.1; {h2[:8]})" in out and h2 not in out  # named, hash short

    book = tmp_path / "meting_2025_2026.xlsx"
    ktm(url, "export", "--wave", "latest", "--out", str(book), capsys=capsys)
    no_demo(url)
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = list(wb["Verantwoording"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Nr")
    col = list(rows[start]).index("Antwoord")
    answers_nl = {str(r[0]): str(r[col]) for r in rows[start + 1 :] if r and r[0]}
    numbers = {k.split(".")[0].rstrip("abcdefgh") for k in answers_nl}
    assert {str(i) for i in range(1, 12)} <= numbers, sorted(answers_nl)
    missing = {k: v for k, v in answers_nl.items() if "niet vastgelegd" in v.lower()}
    assert not missing, missing  # every answer from the data the commands stored
    assert "Meting 2025-2026" in answers_nl["1"] and "2025" in answers_nl["1"]
    assert "Najaar 2027" in answers_nl["11"]
    assert "150" in answers_nl["4b"] and str(n2) in answers_nl["4b"]
    assert "Meting 2024-2025" in answers_nl["8"]  # the previous wave is the team's own
    # The overall question was reworded in v2: not compared, and said so.
    assert "vraagtekst gewijzigd" in answers_nl["8"] and "niet vergeleken" in answers_nl["8"]
    assert "Klachtenbehandeling" in answers_nl["3"]

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.responses)).scalar()
            == n1 + n2 + 4
        )
        bounced = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.invitations)
            .where(schema.invitations.c.disposition == "bounced")
        ).scalar()
        stored = dict(
            conn.execute(sa.select(schema.waves.c.id, schema.waves.c.questionnaire_hash)).all()
        )
        weighting = dict(conn.execute(sa.select(schema.waves.c.id, schema.waves.c.weighting)).all())
    engine.dispose()
    assert stored == {w1: h1, w2: h2}
    for w in (w1, w2):
        choice = weighting[w] if isinstance(weighting[w], dict) else json.loads(weighting[w])
        assert choice == {"margins": ["training_year"], "trim": {"upper_ratio": 4.0}}
    assert bounced == 20
