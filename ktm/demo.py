"""The synthetic demo world: deterministic from a seed, illustrative numbers only.

Three waves: two closed (a year apart) and one in fieldwork, each with its frame snapshot,
stratified sample, invitations and simulated responses whose satisfaction differs by aspect,
profession and wave, and whose response depends on profession and training year (so weighting
visibly matters).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, bindparam, func, insert, select, update

from store import schema
from store.db import transaction
from store.waves import create_wave, get_wave, save_questionnaire_version


class DemoError(ValueError):
    """The demo world cannot be built here (a message for people)."""


DEMO_NOTE_NL = "Demowereld: synthetische, illustratieve gegevens, geen echte resultaten."
DEMO_NOTE_EN = "Demo world: synthetic, illustrative data, not real results."

COMMON_FACTS = {
    "frequency": "Jaarlijks, in het najaar (november tot januari) / yearly, in autumn",
    "objectives": (
        "Meten hoe tevreden artsen, tandartsen en ziekenhuisapothekers in opleiding zijn over het "
        "e-loket (stageplannen, wijzigingen, stagerapporten, erkenningsaanvragen); de belangrijkste "
        "verbeterpunten vinden; de evolutie tussen metingen volgen; verantwoording afleggen."
    ),
    "population": (
        "Alle zorgbeoefenaars in opleiding met een lopend dossier bij team Zorgberoepen "
        "(huisartsen, arts-specialisten, algemeen tandartsen, tandarts-specialisten, "
        "ziekenhuisapothekers in opleiding)."
    ),
    "design_type": "stratified",
    "min_response_rate": 0.30,
    "min_response_rate_stratum": 0.20,
    "min_completes_stratum": 30,
    "mode": "Digitaal (webbevraging op gsm en computer); papieren versie op vraag",
    "post_contact": True,
    "execution": "in_house",
    "cost_eur": 0.0,
    "execution_rationale": (
        "Uitgevoerd door team Zorgberoepen met open-sourcesoftware: geen externe kosten, de "
        "gegevens blijven bij de administratie, en de methode is herhaalbaar."
    ),
    "aspects_rationale": (
        "De bevraagde aspecten volgen de stappen van een aanvraag in het e-loket (aanmelden, "
        "informatie, formulieren, documenten, opvolging, doorlooptijd, communicatie, hulp), "
        "aangevuld met de onderwerpen van klachten en vragen via 1700 en het overleg met de "
        "opleidingsverantwoordelijken."
    ),
    "other_methods": {
        "methods": [
            {
                "nl": "Feedback van 1700 over veel gestelde vragen",
                "en": "Feedback from 1700 on frequent questions",
            },
            {
                "nl": "Klachtenbehandeling (eerstelijnsklachten)",
                "en": "Complaints handling (first-line complaints)",
            },
            {
                "nl": "Overleg met belanghebbenden (opleidingscommissies, beroepsverenigingen)",
                "en": "Consultation of stakeholders",
            },
            {
                "nl": "Korte bevraging na een indiening in het e-loket (open link)",
                "en": "Short survey after an e-loket submission (open link)",
            },
        ],
        "complaints": {"2021": 142, "2022": 159, "2023": 127},
    },
    "communication": (
        "Respondenten die dat wensen krijgen een e-mail met de resultaten en de acties; de "
        "publieke pagina 'Wat doen we met uw feedback?' toont ze voor iedereen."
    ),
}

DEMO_WAVES = [
    {
        "name": "Meting 2024-2025",
        "status": "closed",
        "fieldwork_start": dt.date(2024, 11, 4),
        "fieldwork_end": dt.date(2025, 1, 31),
        "next_wave_planned": "November 2025 - januari 2026",
    },
    {
        "name": "Meting 2025-2026",
        "status": "closed",
        "fieldwork_start": dt.date(2025, 11, 3),
        "fieldwork_end": dt.date(2026, 1, 30),
        "next_wave_planned": "November 2026 - januari 2027",
    },
    {
        "name": "Meting 2026-2027",
        "status": "open",
        "fieldwork_start": dt.date(2026, 11, 2),
        "fieldwork_end": dt.date(2027, 1, 29),
        "next_wave_planned": "November 2027 - januari 2028, resultaten in maart 2028",
    },
]


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.waves)).scalar() == 0


def seed_if_empty(engine: Engine, seed: int = 2024) -> bool:
    """Build the demo world when the database holds no wave at all; True when it did.
    Only `ktm serve --demo` calls this: any other start on an empty database stays empty."""
    if not is_empty(engine):
        return False
    build_demo(engine, seed=seed)
    return True


def demo_wave_ids(conn) -> list[int]:
    return list(conn.execute(select(schema.waves.c.id).where(schema.waves.c.demo)).scalars())


def _remove_demo(conn) -> dict[str, int]:
    from store.waves import delete_unused_demo_questionnaires, delete_waves

    counts = delete_waves(conn, demo_wave_ids(conn))
    counts["questionnaire_versions"] = delete_unused_demo_questionnaires(conn)
    return {k: v for k, v in counts.items() if v}


def remove_demo(engine: Engine) -> dict[str, int]:
    """Delete every row of the demo world and nothing else, in one transaction; returns the
    rows deleted per table (empty when there was no demo)."""
    with transaction(engine) as conn:
        return _remove_demo(conn)


# --- the simulation -------------------------------------------------------------------------

QUESTIONNAIRE = Path(__file__).resolve().parents[1] / "data" / "questionnaire" / "eloket.yaml"

# Per wave: how the frame is made up (the mix shifts, so standardization matters).
FRAME_SIZES = [
    {
        "arts_specialist": 3450,
        "huisarts": 1300,
        "algemeen_tandarts": 340,
        "tandarts_specialist": 140,
        "ziekenhuisapotheker": 55,
    },
    {
        "arts_specialist": 3550,
        "huisarts": 1220,
        "algemeen_tandarts": 345,
        "tandarts_specialist": 150,
        "ziekenhuisapotheker": 58,
    },
    {
        "arts_specialist": 3600,
        "huisarts": 1200,
        "algemeen_tandarts": 350,
        "tandarts_specialist": 150,
        "ziekenhuisapotheker": 60,
    },
]
SAMPLE_N = [1500, 1500, 1500]
SAMPLE_MINIMUM = 40
# How far each wave's fieldwork has come, on the scale of the responses' arrival (the open one
# has about 45% of them in) and on the calendar (its answers end around 24 November 2026: fixed,
# so that the demo does not depend on the day it is built, and never shows future answers).
FIELDWORK_DONE = [1.0, 1.0, 0.45]
CALENDAR_DONE = [1.0, 1.0, 0.25]

# Base response propensity (logit scale) per profession; later training years answer less.
RESPONSE_LOGIT = {
    "huisarts": -0.1,
    "arts_specialist": -0.7,
    "algemeen_tandarts": -0.9,
    "tandarts_specialist": -0.4,
    "ziekenhuisapotheker": 0.3,
}
RESPONSE_YEAR_SLOPE = -0.18

# Mean of each aspect on the 1-5 scale, per wave: documents improved, processing time slipped.
ASPECT_MEANS = {
    "aanmelden": [3.9, 4.0, 4.0],
    "informatie": [3.3, 3.5, 3.5],
    "formulieren": [3.4, 3.6, 3.6],
    "documenten": [3.0, 3.6, 3.7],
    "opvolging": [2.9, 3.0, 3.1],
    "doorlooptijd": [2.9, 2.7, 2.8],
    "communicatie": [3.2, 3.3, 3.4],
    "hulp": [3.6, 3.7, 3.7],
}
PROFESSION_SHIFT = {
    "huisarts": 0.15,
    "arts_specialist": -0.10,
    "algemeen_tandarts": 0.0,
    "tandarts_specialist": 0.1,
    "ziekenhuisapotheker": 0.3,
}
# How much each aspect drives overall satisfaction (0-10), so the driver analysis finds them.
DRIVER_WEIGHTS = {
    "aanmelden": 0.2,
    "informatie": 0.6,
    "formulieren": 0.4,
    "documenten": 0.4,
    "opvolging": 0.8,
    "doorlooptijd": 1.0,
    "communicatie": 0.5,
    "hulp": 0.2,
}
NA_SHARE = {"hulp": 0.35, "communicatie": 0.08}

OPEN_ANSWERS = {
    "doorlooptijd": [
        "De behandeling van mijn dossier duurde erg lang.",
        "Sneller antwoord op een erkenningsaanvraag zou helpen.",
        "Ik wachtte maanden op de goedkeuring van mijn stageplan.",
    ],
    "opvolging": [
        "Ik zie niet in welke fase mijn aanvraag zit.",
        "Een statusoverzicht per dossier zou veel vragen vermijden.",
    ],
    "informatie": [
        "De uitleg over welke documenten nodig zijn is onduidelijk.",
        "Meer voorbeelden bij de formulieren graag.",
    ],
    "documenten": ["Uploaden van grote pdf's mislukt soms."],
    "communicatie": ["Ik kreeg geen bevestiging na het indienen."],
    "aanmelden": ["Aanmelden met de itsme-app werkt vlot."],
}


def _fieldwork_moment(wave: dict, frac: float) -> dt.datetime:
    start = dt.datetime.combine(wave["fieldwork_start"], dt.time(8, 0), tzinfo=dt.UTC)
    end = dt.datetime.combine(wave["fieldwork_end"], dt.time(20, 0), tzinfo=dt.UTC)
    return start + (end - start) * float(frac)


def _frame(seed: int, k: int) -> pd.DataFrame:
    from sampling.demo import synthetic_frame

    frame = synthetic_frame(seed + 101 * k, sizes=FRAME_SIZES[k])
    frame = frame.assign(name=frame["first_name"] + " " + frame["last_name"])
    return frame.drop(columns=["first_name", "last_name"])


def _answers(rng: np.random.Generator, strata: dict, k: int, mode: str) -> dict:
    """One respondent's answers, consistent with the questionnaire's routing."""
    latent = rng.normal()
    shift = PROFESSION_SHIFT.get(strata.get("profession"), 0.0)
    procedures = [
        p
        for p, share in (
            ("stageplan", 0.55),
            ("wijziging_stageplan", 0.3),
            ("stagerapport", 0.7),
            ("erkenningsaanvraag", 0.25),
        )
        if rng.random() < share
    ] or ["stagerapport"]
    answers: dict = {"procedures": procedures}
    for p, item in (
        ("stageplan", "gemak_stageplan"),
        ("wijziging_stageplan", "gemak_wijziging"),
        ("stagerapport", "gemak_stagerapport"),
        ("erkenningsaanvraag", "gemak_erkenning"),
    ):
        if p in procedures:
            answers[item] = int(
                np.clip(np.rint(3.4 + shift + 0.7 * latent + rng.normal(0, 0.8)), 1, 5)
            )
    values = {}
    for dim, means in ASPECT_MEANS.items():
        v = means[k] + shift + 0.75 * latent + rng.normal(0, 0.7)
        values[dim] = v
        answers[dim] = (
            None if rng.random() < NA_SHARE.get(dim, 0.03) else int(np.clip(np.rint(v), 1, 5))
        )
    overall = 2.0 + sum(w * (values[d] - 1) for d, w in DRIVER_WEIGHTS.items()) / 1.9
    answers["tevredenheid"] = int(np.clip(np.rint(overall + rng.normal(0, 0.9)), 0, 10))
    usability = 4.6 + 0.9 * latent + 0.4 * shift
    answers["umux_1"] = int(np.clip(np.rint(usability + rng.normal(0, 0.8)), 1, 7))
    answers["umux_2"] = int(np.clip(np.rint(usability + rng.normal(0, 0.8)), 1, 7))
    answers["ces"] = int(np.clip(np.rint(4.3 + 0.9 * latent + rng.normal(0, 1)), 1, 7))
    knew = k == 0 or strata.get("training_year", 1) > 3 or rng.random() < 0.2
    answers["kende_papier"] = "ja" if knew else "nee"
    if knew:
        answers["vergelijking_papier"] = str(
            rng.choice(["beter", "gelijk", "slechter", "weet_niet"], p=[0.6, 0.2, 0.12, 0.08])
        )
    worst = min((d for d in ASPECT_MEANS if answers.get(d) is not None), key=lambda d: values[d])
    if rng.random() < 0.35:
        bank = OPEN_ANSWERS.get(worst) or OPEN_ANSWERS["doorlooptijd"]
        answers["verbetering"] = str(rng.choice(bank))
    if mode == "invited":
        answers["terugkoppeling"] = "ja" if rng.random() < 0.3 else "nee"
    else:
        answers["beroep"] = strata["profession"]
        answers["opleidingsjaar"] = str(strata["training_year"])
        answers["universiteit"] = strata["university_code"]
    return answers


_UNIVERSITY_CODES = {
    "KU Leuven": "kuleuven",
    "UGent": "ugent",
    "UAntwerpen": "uantwerpen",
    "VUB": "vub",
    "UHasselt": "uhasselt",
}


def _partial(answers: dict) -> tuple[dict, dict]:
    """What a respondent who broke off after the second page has saved."""
    keep = {
        "procedures",
        "gemak_stageplan",
        "gemak_wijziging",
        "gemak_stagerapport",
        "gemak_erkenning",
        *ASPECT_MEANS,
    }
    return {k: v for k, v in answers.items() if k in keep}, {
        "page": 2,
        "done": ["gebruik", "ervaring"],
    }


def _disposition(rng, wave: dict, strata: dict, k: int):
    """(disposition, moment) of one invitation: a response by the propensity of its
    profession and training year, arrived when the fieldwork of wave ``k`` got that far."""
    done = FIELDWORK_DONE[k]
    squeeze = CALENDAR_DONE[k] / done  # arrival share -> share of the fieldwork calendar
    logit = (
        RESPONSE_LOGIT.get(strata["profession"], -0.5)
        + RESPONSE_YEAR_SLOPE * (int(strata["training_year"]) - 1)
        + 0.15 * k
    )
    p_respond = 1 / (1 + np.exp(-logit))
    u = rng.random()
    arrival = rng.beta(1.2, 3.0)
    arrived = arrival <= done
    when = _fieldwork_moment(wave, min(arrival * squeeze, CALENDAR_DONE[k]))
    if u < p_respond and arrived:
        status = "complete" if rng.random() < 0.9 else "partial"
    elif u < p_respond:
        status = "opened"
    else:
        status = str(
            rng.choice(["invited", "opened", "opted_out", "bounced"], p=[0.86, 0.07, 0.04, 0.03])
        )
    return status, when


def _open_link_responses(rng, wave: dict, k: int, qhash: str, done: float, squeeze: float):
    """The open link's complete answers, spread over the part of the fieldwork done."""
    responses = []
    n_open = {0: 70, 1: 90, 2: 25}[k]
    professions = list(RESPONSE_LOGIT)
    for _ in range(n_open):
        when = _fieldwork_moment(wave, rng.random() * done * squeeze)
        prof = str(rng.choice(professions, p=[0.3, 0.5, 0.1, 0.05, 0.05]))
        uni = str(rng.choice(list(_UNIVERSITY_CODES)))
        strata = {
            "profession": prof,
            "training_year": int(rng.integers(1, 4)),
            "university": uni,
            "university_code": _UNIVERSITY_CODES[uni],
        }
        answers = _answers(rng, strata, k, "open")
        strata.pop("university_code")
        responses.append(
            {
                "wave_id": wave["id"],
                "invitation_id": None,
                "mode": "open",
                "status": "complete",
                "questionnaire_hash": qhash,
                "language": "nl",
                "stratum": prof,
                "strata": {**strata, "university": answers["universiteit"]},
                "design_weight": None,
                "answers": answers,
                "progress": {"page": 6, "done": []},
                "revision": 6,
                "started_at": when,
                "updated_at": when,
                "completed_at": when,
            }
        )
    return responses


def _simulate_wave(conn, rng, wave: dict, k: int, qhash: str) -> tuple[int, int]:
    """Dispositions and responses for the wave's invitations, plus some open-link answers."""
    rows = conn.execute(
        select(
            schema.invitations.c.id,
            schema.invitations.c.stratum,
            schema.invitations.c.strata,
            schema.invitations.c.design_weight,
        )
        .where(schema.invitations.c.wave_id == wave["id"])
        .order_by(schema.invitations.c.id)
    ).all()
    done = FIELDWORK_DONE[k]
    sent = _fieldwork_moment(wave, 0.0)
    squeeze = CALENDAR_DONE[k] / done  # arrival share -> share of the fieldwork calendar
    inv_updates, responses = [], []
    for inv_id, stratum, strata, weight in rows:
        status, when = _disposition(rng, wave, strata, k)
        inv_updates.append(
            {
                "inv_id": inv_id,
                "disposition": status,
                "sent_at": sent,
                "opened_at": when if status in ("opened", "partial", "complete") else None,
                "completed_at": when if status == "complete" else None,
            }
        )
        if status in ("partial", "complete"):
            answers = _answers(rng, strata, k, "invited")
            progress = {
                "page": 6,
                "done": [
                    "gebruik",
                    "ervaring",
                    "gebruiksgemak",
                    "papier",
                    "algemeen",
                    "resultaten",
                ],
            }
            if status == "partial":
                answers, progress = _partial(answers)
            responses.append(
                {
                    "wave_id": wave["id"],
                    "invitation_id": inv_id,
                    "mode": "invited",
                    "status": status,
                    "questionnaire_hash": qhash,
                    "language": strata.get("language", "nl"),
                    "stratum": stratum,
                    "strata": strata,
                    "design_weight": weight,
                    "answers": answers,
                    "progress": progress,
                    "revision": 3,
                    "started_at": when,
                    "updated_at": when,
                    "completed_at": when if status == "complete" else None,
                }
            )
    responses += _open_link_responses(rng, wave, k, qhash, done, squeeze)
    if inv_updates:
        stmt = (
            update(schema.invitations)
            .where(schema.invitations.c.id == bindparam("inv_id"))
            .values(
                disposition=bindparam("disposition"),
                sent_at=bindparam("sent_at"),
                opened_at=bindparam("opened_at"),
                completed_at=bindparam("completed_at"),
            )
        )
        conn.execute(stmt, inv_updates)
    if responses:
        conn.execute(insert(schema.responses), responses)
    return len(rows), sum(r["status"] == "complete" for r in responses)


def build_demo(engine: Engine, seed: int = 2024) -> list[str]:
    """(Re)build the demo world in one transaction; returns a summary for people.

    Deterministic from `seed`, except what must never be: the invitation tokens (secrets) and
    the moments the store records as "created at".
    """
    from sampling import allocate
    from sampling import select as draw
    from store.frames import load_frame, population_counts, save_frame
    from store.samples import save_sample
    from survey import load_questionnaire

    questionnaire = load_questionnaire(QUESTIONNAIRE)
    rng = np.random.default_rng(seed)
    lines = [DEMO_NOTE_NL]
    with transaction(engine) as conn:
        _remove_demo(conn)  # a rebuild replaces the demo world, never the team's own waves
        clash = (
            conn.execute(
                select(schema.waves.c.name).where(
                    schema.waves.c.name.in_([w["name"] for w in DEMO_WAVES])
                )
            )
            .scalars()
            .all()
        )
        if clash:
            raise DemoError(
                f"Er bestaat al een eigen bevraging met de naam {', '.join(clash)}: de demowereld "
                "gebruikt die namen; hernoem ze eerst (ktm wave set ID --name ...) / a wave of "
                "your own has a name the demo world uses: rename it first"
            )
        qhash = save_questionnaire_version(
            conn,
            hash=questionnaire.hash,
            questionnaire_id=questionnaire.id,
            version=str(questionnaire.version),
            definition=questionnaire.to_dict(),
            demo=True,
        )
        wave_ids = []
        for k, spec in enumerate(DEMO_WAVES):
            wave_id = create_wave(conn, **COMMON_FACTS, **spec, questionnaire_hash=qhash, demo=True)
            wave_ids.append(wave_id)
            wave = get_wave(conn, wave_id)
            frame = _frame(seed, k)
            snapshot = save_frame(
                conn,
                wave_id,
                frame,
                source_name=f"demo-kader-{k + 1}.xlsx",
                source_sha256=hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest(),
                frame_date=spec["fieldwork_start"] - dt.timedelta(days=14),
            )
            population = population_counts(conn, snapshot, "profession")
            allocation = allocate(population, SAMPLE_N[k], "proportional", minimum=SAMPLE_MINIMUM)
            sample_seed = seed * 10 + k
            selection = draw(load_frame(conn, snapshot), "profession", allocation, sample_seed)
            save_sample(
                conn,
                wave_id,
                snapshot,
                selection,
                strata_var="profession",
                method="proportional",
                seed=sample_seed,
                allocation=allocation,
                population=population,
                parameters={"minimum": SAMPLE_MINIMUM},
            )
            n_inv, n_complete = _simulate_wave(conn, rng, wave, k, qhash)
            lines.append(
                f"{spec['name']} ({spec['status']}): kader {len(frame)}, "
                f"uitnodigingen {n_inv}, volledig ingevuld {n_complete}"
            )
        _actions(conn, wave_ids)
    lines.append(f"seed {seed}")
    return lines


# What the team decided after each closed wave (illustrative): the register, then publication.
DEMO_ACTIONS = {
    0: [
        (
            "documenten",
            "done",
            dt.date(2025, 6, 30),
            "Upload van documenten herwerkt: grotere bestanden, meerdere tegelijk.",
            "We hebben het opladen van documenten vernieuwd: grotere bestanden en meerdere "
            "tegelijk.",
            "Document upload was rebuilt: larger files, several at once.",
        ),
        (
            "opvolging",
            "done",
            dt.date(2025, 9, 30),
            "Statusoverzicht per dossier in het e-loket.",
            "U ziet nu in het e-loket in welke fase uw dossier zit.",
            "The e-loket now shows the stage of each of your files.",
        ),
    ],
    1: [
        (
            "doorlooptijd",
            "in_progress",
            dt.date(2026, 6, 30),
            "Behandeling van erkenningsaanvragen herorganiseren; doel: beslissing binnen 30 dagen.",
            "We herorganiseren de behandeling van erkenningsaanvragen, met als doel een beslissing "
            "binnen 30 dagen.",
            "We are reorganising how recognition requests are handled, aiming at a decision "
            "within 30 days.",
        ),
        (
            "informatie",
            "planned",
            dt.date(2026, 12, 31),
            "Handleiding en voorbeelden bij elk formulier.",
            "Elk formulier krijgt een korte handleiding met voorbeelden.",
            "Every form will get a short guide with examples.",
        ),
    ],
}


def _actions(conn, wave_ids: list[int]) -> None:
    from store.actions import create_action, publish_wave

    for k, actions in DEMO_ACTIONS.items():
        wave = get_wave(conn, wave_ids[k])
        moment = dt.datetime.combine(wave["fieldwork_end"], dt.time(12), tzinfo=dt.UTC)
        for point, status, due, description, text_nl, text_en in actions:
            create_action(
                conn,
                wave_ids[k],
                changed_by="demo",
                now=moment + dt.timedelta(days=30),
                improvement_point=point,
                description=description,
                owner="Team Zorgberoepen",
                status=status,
                due_date=due,
                public_text_nl=text_nl,
                public_text_en=text_en,
            )
        publish_wave(conn, wave_ids[k], now=moment + dt.timedelta(days=45))
