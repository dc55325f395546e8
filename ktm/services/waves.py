"""Wave lifecycle and questionnaire versions: what `ktm wave ...`, `ktm questionnaire publish`
and the page Bevragingen do, in one place so that both refuse the same things in the same words.

A wave goes draft -> open -> closed (a closed wave may be opened again). Opening needs the
fieldwork dates, a questionnaire version and, for a sample design, a drawn sample; links are
issued only once it is open. Only a draft (or a demo wave) can be deleted: a wave that has been
in fieldwork holds answers, which leave only through anonymisation.

Every refusal is a `WaveRefused` with the reason and what to do, in Dutch and English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from ktm import roles
from ktm.services import audit
from sampling.identifiers import control_character, control_message
from store import schema
from store.db import reading, transaction
from store.waves import (
    StoreError,
    create_wave,
    delete_waves,
    get_wave,
    list_questionnaire_versions,
    save_questionnaire_version,
    update_wave,
)
from survey.schema import Questionnaire

Text = tuple[str, str]  # (Dutch, English)


class WaveRefused(ValueError):
    """A wave action refused, with why and what to do: `.reasons` as (nl, en) pairs."""

    def __init__(self, reasons: list[Text] | Text):
        self.reasons = [reasons] if isinstance(reasons, tuple) else list(reasons)
        super().__init__("\n".join(f"{nl} / {en}" for nl, en in self.reasons))

    def text(self, lang: str) -> str:
        return "\n".join(en if lang == "en" else nl for nl, en in self.reasons)


# --------------------------------------------------------------------------- facts

SAMPLE_DESIGNS = ("stratified", "census")  # designs that invite a drawn sample
DESIGNS = (*SAMPLE_DESIGNS, "open")
EXECUTIONS = ("in_house", "outsourced", "mixed")
FACT_FIELDS = {c.name for c in schema.waves.columns} - {
    "id", "status", "created_at", "demo", "anonymised_at", "published_at",
}  # fmt: skip


def _texts(value: Any):
    """Every string in a fact (some facts are JSON: lists and mappings of texts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _texts(v)


def control_problems(fields: Mapping[str, Any]) -> list[Text]:
    """A control character in any text of the facts (PostgreSQL cannot store NUL; nobody
    types the others), by field; line breaks and tabs are fine."""
    out: list[Text] = []
    for name, value in fields.items():
        code = next(filter(None, map(control_character, _texts(value))), None)
        if code is not None:
            nl, en = control_message(code)
            out.append((f"{name}: {nl}.", f"{name}: {en}."))
    return out


def fact_problems(conn, fields: Mapping[str, Any], wave_id: int | None) -> list[Text]:
    """What is wrong with a wave's facts before they are stored (name, dates, codes)."""
    out: list[Text] = control_problems(fields)
    if out:  # before any query: on PostgreSQL a NUL cannot even be compared
        return out
    unknown = set(fields) - FACT_FIELDS
    if unknown:
        names = ", ".join(sorted(unknown))
        out.append((f"Onbekende gegevens: {names}.", f"Unknown fields: {names}."))
    if "name" in fields or wave_id is None:
        name = (fields.get("name") or "").strip()
        if not name:
            out.append(("Geef de bevraging een naam.", "Give the wave a name."))
        else:
            clash = conn.execute(
                select(schema.waves.c.id).where(schema.waves.c.name == name)
            ).scalar()
            if clash is not None and clash != wave_id:
                out.append(
                    (
                        f"Er bestaat al een bevraging met de naam '{name}' (nummer {clash}); "
                        "kies een andere naam.",
                        f"A wave named '{name}' already exists (number {clash}); "
                        "choose another name.",
                    )
                )
    current = get_wave(conn, wave_id) if wave_id is not None else {}
    start = fields.get("fieldwork_start", current.get("fieldwork_start"))
    end = fields.get("fieldwork_end", current.get("fieldwork_end"))
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        out.append(
            (
                f"Het einde van het veldwerk ({end:%d/%m/%Y}) ligt vóór het begin "
                f"({start:%d/%m/%Y}).",
                f"The fieldwork ends ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y}).",
            )
        )
    if fields.get("design_type") not in (None, *DESIGNS):
        out.append(
            (
                f"Ontwerp '{fields['design_type']}' bestaat niet; kies uit {', '.join(DESIGNS)}.",
                f"Design '{fields['design_type']}' does not exist; choose {', '.join(DESIGNS)}.",
            )
        )
    if fields.get("execution") not in (None, *EXECUTIONS):
        out.append(
            (
                f"Uitvoering '{fields['execution']}' bestaat niet; kies uit "
                f"{', '.join(EXECUTIONS)}.",
                f"Execution '{fields['execution']}' does not exist; choose "
                f"{', '.join(EXECUTIONS)}.",
            )
        )
    for key in ("min_response_rate", "min_response_rate_stratum"):
        v = fields.get(key)
        if v is not None and not 0 <= float(v) <= 1:
            out.append(
                (
                    f"Een minimale responsgraad ligt tussen 0 en 100% (niet {100 * v:g}%).",
                    f"A minimum response rate lies between 0 and 100% (not {100 * v:g}%).",
                )
            )
    for year in (fields.get("other_methods") or {}).get("complaints") or {}:
        if not str(year).isdigit():
            out.append(
                (
                    f"Jaar '{year}' bij de klachten is geen jaartal.",
                    f"Year '{year}' of the complaints is not a year.",
                )
            )
    qhash = fields.get("questionnaire_hash")
    if qhash is not None:
        known = conn.execute(
            select(schema.questionnaire_versions.c.hash).where(
                schema.questionnaire_versions.c.hash == qhash
            )
        ).scalar()
        if known is None:
            out.append(
                (
                    f"Vragenlijstversie {qhash[:12]} is niet opgeslagen; publiceer ze eerst "
                    "(ktm questionnaire publish BESTAND).",
                    f"Questionnaire version {qhash[:12]} is not stored; publish it first "
                    "(ktm questionnaire publish FILE).",
                )
            )
        elif current.get("status") in ("open", "closed") and qhash != current.get(
            "questionnaire_hash"
        ):
            n = conn.execute(
                select(func.count())
                .select_from(schema.responses)
                .where(schema.responses.c.wave_id == wave_id)
            ).scalar()
            if n:
                out.append(
                    (
                        f"Deze bevraging heeft al {n} antwoorden op haar vragenlijst; een andere "
                        "versie hoort bij een nieuwe bevraging (ktm wave create).",
                        f"This wave already has {n} answers to its questionnaire; another "
                        "version belongs to a new wave (ktm wave create).",
                    )
                )
    return out


def _clean(fields: Mapping[str, Any]) -> dict:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in fields.items()}


# Facts that describe the copied wave itself, never taken over by `copy_from` (nor by the page's
# "copy the facts"): its name, its fieldwork dates, its retention date and question 11's next
# measurement, which copied would make the new wave name itself as its own next measurement.
NOT_COPIED = ("name", "fieldwork_start", "fieldwork_end", "retention_until", "next_wave_planned")


def copyable_facts(source: Mapping[str, Any]) -> dict:
    """The facts of wave `source` that a new wave takes over (the CLI and the page alike)."""
    return {k: v for k, v in source.items() if k in FACT_FIELDS and k not in NOT_COPIED}


def date_warnings(wave: Mapping[str, Any], today: dt.date | None = None) -> list[Text]:
    """Why opening this wave today is early or late (not a refusal: a team may open early on
    purpose to test, or late to catch up); empty when today lies within the fieldwork dates."""
    from report.format import date

    today = today or dt.date.today()
    start, end = (
        dt.date.fromisoformat(d) if isinstance(d, str) else d
        for d in (wave.get("fieldwork_start"), wave.get("fieldwork_end"))
    )
    out: list[Text] = []
    if start and start > today:
        out.append(
            (
                f"Let op: het veldwerk begint pas op {date(start, 'nl')}; wie nu een link "
                "krijgt, kan vandaag al antwoorden.",
                f"Note: fieldwork only starts on {date(start, 'en')}; whoever gets a link now "
                "can answer today.",
            )
        )
    if end and end < today:
        out.append(
            (
                f"Let op: het veldwerk eindigde al op {date(end, 'nl')}; pas de einddatum aan "
                f"(ktm wave set {wave['id']} --end JJJJ-MM-DD) als het langer loopt.",
                f"Note: fieldwork already ended on {date(end, 'en')}; change the end date "
                f"(ktm wave set {wave['id']} --end YYYY-MM-DD) if it runs longer.",
            )
        )
    return out


def create(engine: Engine, fields: Mapping[str, Any], *, copy_from: int | None = None) -> int:
    """A new wave in draft; `copy_from` takes over the fixed facts of another wave (not those
    in NOT_COPIED, nor its status or history)."""
    roles.require("waves")
    fields = _clean(fields)
    with transaction(engine) as conn:
        base: dict = {}
        if copy_from is not None:
            try:
                source = get_wave(conn, copy_from)
            except StoreError as exc:
                raise WaveRefused((str(exc), str(exc))) from exc
            base = copyable_facts(source)
        merged = {**base, **{k: v for k, v in fields.items() if v is not None}}
        bad = fact_problems(conn, merged, None)
        if bad:
            raise WaveRefused(bad)
        return create_wave(conn, status="draft", **merged)


def set_facts(engine: Engine, wave_id: int, fields: Mapping[str, Any]) -> None:
    """Change a wave's facts (not its status: open/close do that, with their checks)."""
    roles.require("waves")
    fields = _clean(fields)
    with transaction(engine) as conn:
        wave = _wave(conn, wave_id)
        if wave.get("anonymised_at"):
            raise WaveRefused(
                (
                    "Deze bevraging is geanonimiseerd; haar gegevens liggen vast.",
                    "This wave is anonymised; its facts are fixed.",
                )
            )
        bad = fact_problems(conn, fields, wave_id)
        if bad:
            raise WaveRefused(bad)
        update_wave(conn, wave_id, **fields)


def _wave(conn, wave_id: int) -> dict:
    try:
        return get_wave(conn, wave_id)
    except StoreError as exc:
        raise WaveRefused(
            (
                f"Bevraging {wave_id} bestaat niet; ktm wave list toont de bevragingen.",
                f"Wave {wave_id} does not exist; ktm wave list shows the waves.",
            )
        ) from exc


@dataclass(frozen=True)
class WaveState:
    """What a wave has, for the pages and `ktm wave show`: counts and readiness."""

    wave: dict
    frame_units: int
    sample_n: int | None
    invitations: int
    issued: int
    responses: int
    completes: int
    opening_problems: list[Text]


def state(engine: Engine, wave_id: int) -> WaveState:
    from store.frames import latest_snapshot
    from store.samples import current_sample

    with reading(engine) as conn:
        wave = _wave(conn, wave_id)
        snap = latest_snapshot(conn, wave_id)
        sample = current_sample(conn, wave_id)
        inv, r = schema.invitations, schema.responses
        n_inv, n_issued = conn.execute(
            select(func.count(), func.count().filter(inv.c.disposition != "not_invited")).where(
                inv.c.wave_id == wave_id
            )
        ).one()
        n_resp, n_complete = conn.execute(
            select(func.count(), func.count().filter(r.c.status == "complete")).where(
                r.c.wave_id == wave_id
            )
        ).one()
        problems = _opening_problems(wave, sample)
    return WaveState(
        wave,
        int(snap["n_units"]) if snap else 0,
        int(sample["n"]) if sample else None,
        int(n_inv),
        int(n_issued),
        int(n_resp),
        int(n_complete),
        problems,
    )


def _opening_problems(wave: dict, sample: dict | None) -> list[Text]:
    wid = wave["id"]
    out: list[Text] = []
    if not wave.get("fieldwork_start") or not wave.get("fieldwork_end"):
        out.append(
            (
                "De veldwerkdata ontbreken: vul begin en einde in (ktm wave set "
                f"{wid} --start JJJJ-MM-DD --end JJJJ-MM-DD).",
                "The fieldwork dates are missing: set start and end (ktm wave set "
                f"{wid} --start YYYY-MM-DD --end YYYY-MM-DD).",
            )
        )
    if not wave.get("questionnaire_hash"):
        out.append(
            (
                "Er is nog geen vragenlijst gekozen: publiceer een versie (ktm questionnaire "
                f"publish BESTAND) en kies ze (ktm wave set {wid} --questionnaire latest).",
                "No questionnaire is chosen yet: publish a version (ktm questionnaire publish "
                f"FILE) and choose it (ktm wave set {wid} --questionnaire latest).",
            )
        )
    if (wave.get("design_type") or "stratified") in SAMPLE_DESIGNS and sample is None:
        out.append(
            (
                "Er is nog geen steekproef getrokken: lees het steekproefkader in (ktm frame "
                f"import BESTAND --wave {wid}) en trek de steekproef (ktm sample draw --wave "
                f"{wid} ...).",
                "No sample has been drawn yet: import the frame (ktm frame import FILE --wave "
                f"{wid}) and draw the sample (ktm sample draw --wave {wid} ...).",
            )
        )
    return out


def open_wave(engine: Engine, wave_id: int) -> dict:
    """Start (or resume) fieldwork; returns the wave as it now is."""
    from store.samples import current_sample

    roles.require("waves")
    with transaction(engine) as conn:
        wave = _wave(conn, wave_id)
        if wave["status"] == "open":
            raise WaveRefused(
                (
                    f"Het veldwerk van '{wave['name']}' loopt al.",
                    f"Fieldwork of '{wave['name']}' is already open.",
                )
            )
        if wave.get("anonymised_at"):
            raise WaveRefused(
                (
                    "Een geanonimiseerde bevraging kan niet meer open.",
                    "An anonymised wave cannot be opened again.",
                )
            )
        problems = _opening_problems(wave, current_sample(conn, wave_id))
        if problems:
            raise WaveRefused(
                [
                    (
                        f"Het veldwerk van '{wave['name']}' kan nog niet open:",
                        f"Fieldwork of '{wave['name']}' cannot open yet:",
                    ),
                    *problems,
                ]
            )
        update_wave(conn, wave_id, status="open")
        return get_wave(conn, wave_id)


def close_wave(engine: Engine, wave_id: int) -> dict:
    roles.require("waves")
    with transaction(engine) as conn:
        wave = _wave(conn, wave_id)
        if wave["status"] != "open":
            raise WaveRefused(
                (
                    f"'{wave['name']}' is niet open (status: {wave['status']}); alleen een "
                    "bevraging in veldwerk kan worden afgesloten.",
                    f"'{wave['name']}' is not open (status: {wave['status']}); only a wave in "
                    "fieldwork can be closed.",
                )
            )
        update_wave(conn, wave_id, status="closed")
        audit.record(conn, "wave_close", wave_id, {"from": "open"})
    # The automatic raking margins are fixed with the final data (anonymising could not redo them).
    from ktm.services.weighting import fix_automatic

    fix_automatic(engine, wave_id)
    with transaction(engine) as conn:
        return get_wave(conn, wave_id)


def delete_wave(engine: Engine, wave_id: int) -> dict[str, int]:
    """Delete a draft (or demo) wave with its frame and sample; rows deleted per table."""
    roles.require("waves")
    with transaction(engine) as conn:
        wave = _wave(conn, wave_id)
        if wave["status"] != "draft" and not wave.get("demo"):
            raise WaveRefused(
                (
                    f"'{wave['name']}' is {'open' if wave['status'] == 'open' else 'afgesloten'}: "
                    "alleen een bevraging in ontwerp kan worden verwijderd. Haar antwoorden "
                    "verdwijnen alleen door anonimisering na de bewaartermijn (ktm retention).",
                    f"'{wave['name']}' is {wave['status']}: only a draft wave can be deleted. "
                    "Its answers leave only through anonymisation after the retention period "
                    "(ktm retention).",
                )
            )
        # Before the delete, in its transaction: the row keeps the wave's name.
        audit.record(conn, "wave_delete", wave_id, {"status": wave["status"],
                                                   "demo": bool(wave.get("demo"))})  # fmt: skip
        return delete_waves(conn, [wave_id])


# --------------------------------------------------------------------------- questionnaires


@dataclass(frozen=True)
class Published:
    hash: str
    questionnaire_id: str
    version: str
    new: bool  # False: this exact version was already stored (publishing is idempotent)


def publish_questionnaire(engine: Engine, questionnaire: Questionnaire) -> Published:
    """Store a validated questionnaire as a version (by its hash; again is a no-op)."""
    roles.require("waves")
    with transaction(engine) as conn:
        before = {v["hash"]: v for v in list_questionnaire_versions(conn)}
        save_questionnaire_version(
            conn,
            hash=questionnaire.hash,
            questionnaire_id=questionnaire.id,
            version=str(questionnaire.version),
            definition=questionnaire.to_dict(),
        )
    old = before.get(questionnaire.hash)
    return Published(
        questionnaire.hash,
        questionnaire.id,
        str(questionnaire.version),
        new=old is None or bool(old["demo"]),
    )


def questionnaire_versions(engine: Engine, *, with_demo: bool = True) -> list[dict]:
    with reading(engine) as conn:
        return list_questionnaire_versions(conn, with_demo=with_demo)


def resolve_questionnaire(engine: Engine, ref: str) -> str:
    """A stored version's hash from `latest` (the newest published by the team), a hash or a
    hash prefix of at least 6 characters, or `ID:VERSION`."""
    versions = questionnaire_versions(engine)
    ref = ref.strip()
    if ref == "latest":
        own = [v for v in versions if not v["demo"]]
        if not own:
            raise WaveRefused(
                (
                    "Er is nog geen vragenlijst gepubliceerd: ktm questionnaire publish BESTAND.",
                    "No questionnaire is published yet: ktm questionnaire publish FILE.",
                )
            )
        return own[-1]["hash"]
    if ":" in ref:
        qid, _, version = ref.partition(":")
        found = [v for v in versions if v["questionnaire_id"] == qid and v["version"] == version]
    elif len(ref) >= 6:
        found = [v for v in versions if v["hash"].startswith(ref.lower())]
    else:
        found = []
    if len(found) != 1:
        listing = ", ".join(f"{v['questionnaire_id']}:{v['version']} ({v['hash'][:8]})"
                            for v in versions) or "geen / none"  # fmt: skip
        what = "meerdere versies passen" if found else "geen versie past"
        what_en = "several versions match" if found else "no version matches"
        raise WaveRefused(
            (
                f"Vragenlijst '{ref}': {what}. Geef 'latest', een hash (minstens 6 tekens) of "
                f"ID:VERSIE; opgeslagen: {listing}.",
                f"Questionnaire '{ref}': {what_en}. Give 'latest', a hash (at least 6 "
                f"characters) or ID:VERSION; stored: {listing}.",
            )
        )
    return found[0]["hash"]


def questionnaire(engine: Engine, qhash: str) -> Questionnaire:
    from ktm.services.results import questionnaire_of

    with reading(engine) as conn:
        return questionnaire_of(conn, qhash)


def load_uploaded_questionnaire(filename: str, data: bytes) -> tuple[Questionnaire | None, str]:
    """Validate an uploaded file as `ktm questionnaire validate` does: (the questionnaire, "")
    or (None, the same messages, naming the uploaded file)."""
    import tempfile
    from pathlib import Path

    from survey import QuestionnaireError, load_questionnaire

    name = Path(filename).name or "vragenlijst.yaml"
    with tempfile.TemporaryDirectory(prefix="ktm-q-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return load_questionnaire(path), ""
        except QuestionnaireError as exc:
            return None, str(exc).replace(str(path), name)


@dataclass(frozen=True)
class FirstSteps:
    """How far an (almost) empty database is: for the first-run page."""

    questionnaires: int
    waves: int
    demo_waves: int


def first_steps(engine: Engine) -> FirstSteps:
    with reading(engine) as conn:
        q = conn.execute(
            select(func.count())
            .select_from(schema.questionnaire_versions)
            .where(~schema.questionnaire_versions.c.demo)
        ).scalar()
        w, d = conn.execute(
            select(func.count(), func.count().filter(schema.waves.c.demo)).select_from(schema.waves)
        ).one()
    return FirstSteps(int(q), int(w) - int(d), int(d))
