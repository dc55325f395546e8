"""A wave's data from the store, analysed: what the dashboard and the Excel export show.

`load_inputs` reads the store (responses, invitations, frame snapshot, questionnaire);
`analyse` runs the pure pipeline (analysis.wave.analyse_wave); `trend` sets the wave against
the previous closed one. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, Text, func, select, type_coerce

from analysis.wave import WaveAnalysis, WaveInputs, WaveSettings, analyse_wave
from store import schema
from store.db import reading
from store.waves import get_questionnaire_definition, get_wave, previous_wave
from survey.data import to_frame
from survey.schema import Questionnaire

STRATA_COLUMNS = ("profession", "training_year", "university", "language")


@dataclass
class WaveData:
    wave: dict
    questionnaire: Questionnaire
    inputs: WaveInputs
    sample_info: dict | None  # the stored sample: method, seed, allocation, population
    frame_info: dict | None  # the frame snapshot: source, date, size


def questionnaire_of(conn, qhash: str) -> Questionnaire:
    return Questionnaire.from_dict(get_questionnaire_definition(conn, qhash))


def _strata(column):
    """A strata JSON column fetched as its text (decoded by :func:`_decoded`)."""
    return type_coerce(column, Text)


def _decoded(values) -> list[dict]:
    """Strata dicts from their JSON texts, each distinct text decoded once: tens of thousands
    of units share a few hundred combinations. (A driver that decodes JSON itself, as psycopg
    does, hands over dicts already.)"""
    memo = {v: json.loads(v) for v in {v for v in values if isinstance(v, str)}}
    return [(memo[v] if isinstance(v, str) else v) or {} for v in values]


def _responses(conn, wave_id: int, questionnaire: Questionnaire, qhash: str | None = None):
    """The wave's responses: metadata, strata and one column per answer column."""
    rows = conn.execute(
        select(
            schema.responses.c.id,
            schema.responses.c.invitation_id,
            schema.responses.c.mode,
            schema.responses.c.status,
            schema.responses.c.language,
            schema.responses.c.stratum,
            _strata(schema.responses.c.strata),
            schema.responses.c.design_weight,
            schema.responses.c.answers,
            schema.responses.c.questionnaire_hash,
            schema.responses.c.started_at,
            schema.responses.c.completed_at,
            # How an imported response came in (store.imports): a sampled person's paper form
            # is mode invited (weighted with the sample) but was answered on paper.
            schema.responses.c.progress["channel"].as_string(),
        )
        .where(schema.responses.c.wave_id == wave_id)
        .order_by(schema.responses.c.id)
    ).all()
    # Plain tuples, one column at a time: a Row's mapping access costs more than the data.
    cols = list(zip(*rows, strict=True)) if rows else [()] * 13
    (rid, inv, mode, status, lang, stratum, strata, weight, answers, qhashes, start, done,
     channel) = cols  # fmt: skip
    meta = pd.DataFrame(
        {
            "response_id": list(rid),
            "invitation_id": list(inv),
            "mode": list(mode),
            "status": list(status),
            "response_language": list(lang),
            "stratum": list(stratum),
            "design_weight": list(weight),
            "started_at": pd.to_datetime(list(start), utc=True),
            "completed_at": pd.to_datetime(list(done), utc=True),
            "questionnaire_hash": list(qhashes),
            "response_channel": [c or m for c, m in zip(channel, mode, strict=True)],
        }
    )
    strata = _decoded(strata)
    for c in STRATA_COLUMNS:
        meta[c] = [s.get(c) for s in strata]
    meta["training_year"] = pd.to_numeric(meta["training_year"], errors="coerce").astype("Int64")
    # The store validated every answer and dropped those to items that are not relevant when
    # it saved them, against the response's own questionnaire version: when that is the
    # wave's, the answers need not be checked again (survey.data.to_frame, trusted).
    trusted = qhash is not None and all(h == qhash for h in qhashes)
    frame = to_frame(questionnaire, list(answers), trusted=trusted)
    frame.index = meta.index
    # XLSForm metadata (start, end, today) are the response's own timestamps.
    stamps = {
        "start": meta["started_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": meta["completed_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "today": meta["started_at"].dt.strftime("%Y-%m-%d"),
    }
    for name, kind in questionnaire.metadata.items():
        frame[name] = stamps[kind].where(stamps[kind].notna(), None)
    return pd.concat([meta, frame], axis=1)


def _sample(conn, wave_id: int, responses: pd.DataFrame, population: dict) -> pd.DataFrame:
    rows = conn.execute(
        select(
            schema.invitations.c.id,
            schema.invitations.c.stratum,
            _strata(schema.invitations.c.strata),
            schema.invitations.c.design_weight,
            schema.invitations.c.disposition,
        )
        .where(schema.invitations.c.wave_id == wave_id, schema.invitations.c.mode == "invited")
        .order_by(schema.invitations.c.id)
    ).all()
    if not rows:
        return pd.DataFrame()
    ids, stratum, strata, weight, disposition = zip(*rows, strict=True)
    sample = pd.DataFrame(
        {
            "invitation_id": list(ids),
            "stratum": list(stratum),
            "design_weight": list(weight),
            "disposition": list(disposition),
        }
    )
    strata = _decoded(strata)
    for c in STRATA_COLUMNS:
        sample[c] = [s.get(c) for s in strata]
    sample["N_h"] = sample["stratum"].map(population).astype(float)
    link = responses.dropna(subset=["invitation_id"])[["invitation_id", "response_id"]]
    link = link.astype({"invitation_id": "int64"})
    return sample.merge(link, on="invitation_id", how="left")


def load_inputs(engine: Engine, wave_id: int) -> WaveData:
    from store.frames import latest_snapshot, load_frame
    from store.samples import current_sample

    with reading(engine) as conn:
        wave = get_wave(conn, wave_id)
        qhash = wave["questionnaire_hash"]
        if qhash is None:  # fall back on what the responses answered
            qhash = conn.execute(
                select(schema.responses.c.questionnaire_hash)
                .where(schema.responses.c.wave_id == wave_id)
                .limit(1)
            ).scalar()
        if qhash is None:
            raise LookupError(
                f"Bevraging {wave['name']} heeft nog geen vragenlijst / wave has no questionnaire"
            )
        questionnaire = questionnaire_of(conn, qhash)
        responses = _responses(conn, wave_id, questionnaire, qhash)
        snapshot = latest_snapshot(conn, wave_id)
        sample_info = current_sample(conn, wave_id)
        population = dict(sample_info["population"]) if sample_info else {}
        sample = None
        if sample_info and wave.get("anonymised_at"):
            # The invitations are gone; what remains of them is counted per stratum.
            from store.privacy import sample_frame

            sample = sample_frame(conn, wave_id, responses, population, sample_info["strata_var"])
        elif sample_info:
            sample = _sample(conn, wave_id, responses, population)
    settings_kw = dict(wave.get("weighting") or {})
    settings = WaveSettings(
        strata=(sample_info or {}).get("strata_var") or "profession",
        # No margins chosen (None): automatic (analysis.wave.WaveAnalysis.chosen_margins).
        margins=None if settings_kw.get("margins") is None else tuple(settings_kw["margins"]),
        margins_auto=bool(settings_kw.get("auto")) and settings_kw.get("margins") is not None,
        trim=settings_kw.get("trim"),
        min_response_rate=wave["min_response_rate"],
        min_response_rate_stratum=wave["min_response_rate_stratum"],
        min_completes_stratum=wave["min_completes_stratum"] or 0,
        k=wave["disclosure_k"],
    )

    def read_frame():
        """The snapshot's units without identity, read when an analysis first needs them."""
        if snapshot is None:
            return None
        with reading(engine) as conn:
            frame = load_frame(conn, snapshot["id"], with_ids=False)
        return frame.drop(columns=[c for c in ("email", "name") if c in frame])

    inputs = WaveInputs(
        responses=responses,
        columns=questionnaire.columns(),
        sample=sample,
        settings=settings,
        population=population or None,
        frame_loader=read_frame,
    )
    return WaveData(wave, questionnaire, inputs, sample_info, snapshot)


def analyse(engine: Engine, wave_id: int) -> tuple[WaveData, WaveAnalysis]:
    data = load_inputs(engine, wave_id)
    return data, analyse_wave(data.inputs)


def trend(engine: Engine, wave_id: int, last: WaveAnalysis | None = None):
    """The wave against the previous closed wave: (previous wave, TREND table), or None."""
    from analysis.trend import compare_waves

    with reading(engine) as conn:
        prev = previous_wave(conn, wave_id)
        version = conn.execute(
            select(schema.questionnaire_versions.c.version)
            .join(
                schema.waves,
                schema.waves.c.questionnaire_hash == schema.questionnaire_versions.c.hash,
            )
            .where(schema.waves.c.id == wave_id)
        ).scalar()
    if prev is None:
        return None
    # The wave's analysis carries its inputs (columns, frame): it is not read again.
    last_result = last if last is not None else analyse(engine, wave_id)[1]
    prev_data, prev_result = analyse(engine, prev["id"])
    d_last, d_prev = last_result.analysed, prev_result.analysed
    if d_last is None or d_prev is None:
        return None
    reference = last_result.inputs.composition("profession")
    table = compare_waves(
        d_prev,
        d_last,
        last_result.inputs.columns,
        reference=reference,
        columns_prev=prev_data.questionnaire.columns(),
        version=version,
    )
    return prev, prev_result, table


def activity_fingerprint(engine: Engine, wave_id: int) -> tuple:
    """Cheap to read, a cache key: (this wave's own version, the version of everything else a
    page may set it against). The first part changes whenever a response or an invitation's
    disposition of the wave changes, or its row (settings, status); the second whenever any
    other wave does (a wave closed elsewhere becomes the previous wave of this one)."""
    versions = data_versions(engine)
    own = versions.pop(wave_id, ())
    others = hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()[:16]
    return own, others


def data_versions(engine: Engine) -> dict[int, tuple]:
    """Per wave: its row, its responses (count, last update) and its invitations' dispositions;
    three small queries over the whole database."""
    r, inv, w = schema.responses, schema.invitations, schema.waves
    with reading(engine) as conn:
        rows = conn.execute(select(w).order_by(w.c.id)).all()
        activity = {
            wid: (int(n), str(last))
            for wid, n, last in conn.execute(
                select(r.c.wave_id, func.count(), func.max(r.c.updated_at)).group_by(r.c.wave_id)
            )
        }
        dispositions: dict[int, list] = {}
        for wid, disp, n in conn.execute(
            select(inv.c.wave_id, inv.c.disposition, func.count())
            .group_by(inv.c.wave_id, inv.c.disposition)
            .order_by(inv.c.wave_id, inv.c.disposition)
        ):
            dispositions.setdefault(wid, []).append((disp, int(n)))
    return {
        row.id: (
            repr(tuple(row)),
            activity.get(row.id, (0, "None")),
            tuple(dispositions.get(row.id, ())),
        )
        for row in rows
    }
