"""The synthetic demo world: deterministic from a seed, illustrative numbers only.

Three waves: two closed (a year apart) and one in fieldwork, each with its frame snapshot,
stratified sample, invitations and simulated responses whose satisfaction differs by aspect,
profession and wave, and whose response depends on profession and training year (so weighting
visibly matters).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, func, select

from store import schema
from store.db import transaction
from store.waves import create_wave

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

# Child tables first, so a rebuild never trips over a foreign key.
_RESET_ORDER = [
    schema.action_history,
    schema.improvement_actions,
    schema.consents,
    schema.responses,
    schema.invitations,
    schema.disposition_counts,
    schema.sample_units,
    schema.samples,
    schema.frame_units,
    schema.frame_snapshots,
    schema.waves,
    schema.post_contact_log,
    schema.token_attempts,
    schema.questionnaire_versions,
]


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.waves)).scalar() == 0


def seed_if_empty(engine: Engine, seed: int = 2024) -> bool:
    """Build the demo world when the database holds no wave at all; True when it did."""
    if not is_empty(engine):
        return False
    build_demo(engine, seed=seed)
    return True


def build_demo(engine: Engine, seed: int = 2024) -> list[str]:
    """(Re)build the demo world in one transaction; returns a summary for people."""
    with transaction(engine) as conn:
        for table in _RESET_ORDER:
            conn.execute(delete(table))
        ids = [create_wave(conn, **COMMON_FACTS, **w) for w in DEMO_WAVES]
    return [DEMO_NOTE_NL, f"Bevragingen / waves: {len(ids)} (seed {seed})"]
