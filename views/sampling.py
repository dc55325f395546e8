"""Steekproef: frame, design, draw, mail merge, e-mail and post-contact invitations for a wave.

A thin page: every action is a call to `ktm.services.sampling`, the same as the command line.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from ktm import dashboard as D
from ktm import webapp
from ktm.services import bounces as bounce_svc
from ktm.services import sampling as svc
from ktm.services import weighting as weighting_svc
from ktm.services.problems import problems_csv_bytes
from ktm.webapp import lang, t
from report import format as fmt
from report import wording
from sampling.allocation import METHODS, designs_side_by_side
from sampling.frame import PROFESSION_CODES, FrameError
from store import frames as store_frames
from store import samples as store_samples
from store.db import reading

webapp.require_page("sampling")
wave = webapp.wave_selector()
st.title(t("Steekproef", "Sample"))
if wave is None:
    st.stop()
engine = webapp.engine()
wave_id = int(wave["id"])
st.caption(
    t(
        f"Bevraging: {wave['name']}. Stappen: kader inlezen, ontwerp kiezen en trekken, "
        "uitnodigen en herinneren.",
        f"Wave: {wave['name']}. Steps: import the frame, choose the design and draw, "
        "invite and remind.",
    )
)


LANG = lang()  # bound once: format_func callbacks may run outside the script (AppTest)


def label(kind: str, code) -> str:
    """A code's name, capitalised, in the page's language (report.format)."""
    return fmt.capitalised(fmt.label(kind, code, LANG))


def profession_order(codes) -> list:
    """Professions in their fixed order (sampling.frame), not alphabetical by code, which
    read as a jumble in English; any other stratum after them, by name."""
    rank = {code: i for i, code in enumerate(PROFESSION_CODES)}
    return sorted(codes, key=lambda c: (rank.get(c, len(rank)), str(c)))


def num(x, decimals: int = 0) -> str:
    return fmt.number(x, decimals, LANG)


def no_sampling_error(moe) -> bool:
    """A margin of error that rounds to nothing: everyone in the frame (or stratum) is invited
    and expected to answer, so nothing is sampled; "±0,0%" would read as a very precise
    sample."""
    return moe is not None and moe == moe and abs(float(moe)) < 5e-5


def moe_cell(moe) -> str:
    """A margin of error in a table cell: ±5,4%, or words where there is no sampling."""
    if no_sampling_error(moe):
        return t("geen steekproeffout (iedereen)", "no sampling error (everyone)")
    return fmt.percent(moe, 1, LANG)


def expected_moe_words(moe) -> str:
    """The expected margin of error in a sentence: ±5,4%, or that a census has none."""
    if no_sampling_error(moe):
        return t(
            "geen: iedereen in het kader wordt bevraagd (volledige telling), er is geen "
            "steekproeffout",
            "none: everyone in the frame is surveyed (census), there is no sampling error",
        )
    return f"±{D.pct(moe, 1)}"


def margin_names(margins) -> str:
    """Raking margins (frame variables) by their names: "Beroep, Universiteit"."""
    return ", ".join(label("variable", m) for m in margins or ())


def trim_text(ratio: float) -> str:
    """A trimming bound (times the mean weight) in the page's numbers: 0,25; 3,5; 0 is none."""
    en = LANG == "en"  # a format_func: the language bound once, not t() (see LANG)
    if not ratio:
        return "none" if en else "geen"
    decimals = next((d for d in (0, 1) if abs(round(ratio, d) - ratio) < 1e-9), 2)
    return f"{num(ratio, decimals)} × {'mean weight' if en else 'gemiddeld gewicht'}"


def trim_options(grid: list[float], stored: float) -> list[float]:
    """The bounds to choose from: the grid and the stored bound (set by `ktm wave weighting`
    perhaps off the grid), in order."""
    return sorted({*grid, float(stored)})


def problems_table(exc: FrameError) -> pd.DataFrame:
    table = exc.as_frame().rename(
        columns={
            "row": t("Rij", "Row"),
            "column": t("Kolom", "Column"),
            "message": t("Probleem", "Problem"),
        }
    )
    return table.astype({t("Rij", "Row"): "Int64"})


def refusal(exc: FrameError, message: str) -> dict:
    """What the page keeps of a refused file: the message, the table, every problem as CSV."""
    return {
        "message": message,
        "table": problems_table(exc),
        "csv": problems_csv_bytes(exc.problems),
    }


def show_problems(key: str) -> None:
    """The last failed import's problems (kept across reruns until the next attempt), with a
    download of the full list."""
    stored = st.session_state.get(key)
    if stored:
        st.error(stored["message"])
        st.dataframe(stored["table"], hide_index=True, width="stretch")
        if stored.get("csv"):
            webapp.download_button(
                t("Alle problemen downloaden (CSV)", "Download every problem (CSV)"),
                lambda csv=stored["csv"]: csv,
                file_name="problemen.csv",
                mime="text/csv",
                key=f"{key}_download",
            )


def run_with_progress(label: str, action):
    """Run `action(progress)` with a progress bar; progress(done, total)."""
    bar = st.progress(0.0, text=label)

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{label} {done}/{total}")

    try:
        return action(progress)
    finally:
        bar.empty()


with reading(engine) as conn:
    snapshot = store_frames.latest_snapshot(conn, wave_id)
    sample = store_samples.current_sample(conn, wave_id)
    issued = store_samples.issued_count(conn, wave_id)
    variables = store_frames.frame_variables(conn, snapshot["id"]) if snapshot else []

tab_frame, tab_design, tab_invite, tab_post, tab_bounce, tab_weight = st.tabs(
    [
        t("1. Kader", "1. Frame"),
        t("2. Ontwerp en trekking", "2. Design and draw"),
        t("3. Uitnodigingen", "3. Invitations"),
        t("4. Na contact", "4. Post-contact"),
        t("5. Onbestelbaar en afmeldingen", "5. Bounces and opt-outs"),
        t("6. Weging", "6. Weighting"),
    ]
)

# --------------------------------------------------------------------------- 1. frame
with tab_frame:
    if snapshot:
        st.success(
            t(
                f"Huidig kader: {snapshot['source_name']}, {num(snapshot['n_units'])} eenheden, "
                f"ingelezen op {fmt.moment(snapshot['imported_at'], 'nl')}.",
                f"Current frame: {snapshot['source_name']}, {num(snapshot['n_units'])} units, "
                f"imported {fmt.moment(snapshot['imported_at'], 'en')}.",
            )
        )
        if snapshot["aux_columns"]:
            st.caption(
                t("Hulpvariabelen: ", "Auxiliary variables: ") + ", ".join(snapshot["aux_columns"])
            )
    else:
        st.info(t("Deze bevraging heeft nog geen kader.", "This wave has no frame yet."))
    st.markdown(
        t(
            "Verplichte kolommen: **unit_id, emailadres, beroep, opleidingsjaar, universiteit, "
            "taal** (of hun Engelse namen). "
            "Andere kolommen blijven bewaard als hulpvariabele. Een bestand met fouten wordt "
            "niet ingelezen: u krijgt elke fout met haar rij.",
            "Required columns: **unit_id, email, profession, training_year, university, "
            "language**. Other columns are kept as auxiliary variables. A file with errors is "
            "not imported: you get every error with its row.",
        )
    )
    upload = st.file_uploader(
        t("Kaderbestand (.xlsx of .csv)", "Frame file (.xlsx or .csv)"),
        type=["xlsx", "csv"],
        key="frame_file",
        disabled=issued > 0,
    )
    if st.button(
        t("Kader inlezen", "Import frame"),
        key="frame_import",
        type="primary",
        disabled=upload is None or issued > 0,
    ):
        st.session_state.pop("frame_problems", None)
        try:
            result = svc.import_frame(engine, wave_id, upload.getvalue(), filename=upload.name)
        except FrameError as exc:
            st.session_state["frame_problems"] = refusal(
                exc,
                t(
                    f"{upload.name}: {len(exc.problems)} probleem/problemen; er is niets "
                    "ingelezen. Verbeter het bestand en probeer opnieuw.",
                    f"{upload.name}: {len(exc.problems)} problem(s); nothing was imported. "
                    "Fix the file and try again.",
                ),
            )
        except svc.SamplingError as exc:
            st.error(str(exc))
        else:
            st.session_state["frame_message"] = (
                t(
                    f"{num(result.n_units)} eenheden ingelezen uit {result.source_name}.",
                    f"{num(result.n_units)} units imported from {result.source_name}.",
                )
                + (
                    t(
                        " De steekproef van het vorige kader is verwijderd: trek opnieuw.",
                        " The sample of the previous frame was removed: draw again.",
                    )
                    if result.discarded_sample
                    else ""
                )
                if result.new
                else t(
                    "Dit bestand is al het huidige kader; niets gewijzigd.",
                    "This file already is the current frame; nothing changed.",
                )
            )
            st.rerun()
    if issued:
        st.caption(
            t(
                "De uitnodigingen zijn vertrokken: het kader van deze bevraging ligt vast.",
                "Invitations have gone out: this wave's frame is fixed.",
            )
        )
    if "frame_message" in st.session_state:
        st.success(st.session_state.pop("frame_message"))
    show_problems("frame_problems")
    if snapshot:
        counts = svc.population(engine, wave_id, "profession")
        counts = {p: counts[p] for p in profession_order(counts)}
        st.dataframe(
            pd.DataFrame(
                {
                    t("Beroep", "Profession"): [label("profession", p) for p in counts],
                    "N": [num(v) for v in counts.values()],
                }
            ),
            hide_index=True,
        )

# --------------------------------------------------------------------------- 2. design
with tab_design:
    if not snapshot:
        st.info(t("Lees eerst een kader in.", "Import a frame first."))
    else:
        # Once a sample is drawn the form starts from the design it was drawn with (not the
        # defaults, which a reader takes for the design used); once links went out it is fixed.
        used = sample or {}
        used_params = used.get("parameters") or {}
        fixed = bool(issued)
        if sample:
            st.info(
                t(
                    "De velden tonen het ontwerp waarmee de huidige steekproef getrokken is"
                    + (
                        " (vast: er zijn al uitnodigingen uitgegeven)."
                        if fixed
                        else "; wijzig ze om opnieuw te trekken."
                    ),
                    "The fields show the design the current sample was drawn with"
                    + (
                        " (fixed: invitations have been issued)."
                        if fixed
                        else "; change them to draw again."
                    ),
                ),
                icon=":material/lock:" if fixed else ":material/info:",
            )
        c1, c2 = st.columns(2)
        default_strata = used.get("strata_var") or "profession"
        strata = c1.selectbox(
            t("Stratificatievariabele", "Strata variable"),
            variables,
            index=variables.index(default_strata) if default_strata in variables else 0,
            disabled=fixed,
            format_func=fmt.labeller("variable", LANG),
            key="strata",
        )
        method = c2.selectbox(
            t("Methode", "Method"),
            list(METHODS),
            index=list(METHODS).index(used["method"]) if used.get("method") in METHODS else 0,
            format_func=fmt.labeller("allocation", LANG),
            key="method",
            disabled=fixed,
        )
        try:
            pop = svc.population(engine, wave_id, strata)
        except svc.SamplingError as exc:  # e.g. units without a value for this variable
            st.error(str(exc))
            st.stop()
        total = sum(pop.values())
        sd = None
        if method in ("neyman", "power"):
            sd_text = st.text_input(
                t(
                    "Standaardafwijking S_h per stratum (stratum=waarde, gescheiden door komma's)",
                    "Standard deviation S_h per stratum (stratum=value, comma separated)",
                ),
                value=", ".join(f"{h}={(used_params.get('sd') or {}).get(h, 1):g}" for h in pop),
                key="sd",
                disabled=fixed,
            )
            try:
                sd = {
                    k.strip(): float(v)
                    for k, _, v in (p.partition("=") for p in sd_text.split(",") if p.strip())
                }
            except ValueError:
                st.error(t("Schrijf S_h als stratum=getal.", "Write S_h as stratum=number."))
                sd = None
        power = (
            st.slider(
                "a (power)",
                0.0,
                1.0,
                float(used_params.get("power", 0.5)),
                key="power",
                disabled=fixed,
            )
            if method == "power"
            else 0.5
        )

        minimum = int(
            st.number_input(
                t("Minimum per stratum", "Minimum per stratum"),
                0,
                total,
                min(int(used_params.get("minimum") or 0), total),
                key="minimum",
                disabled=fixed,
            )
        )
        moe = None
        if method == "census":
            n = total
            st.info(
                t(
                    f"Volledige telling: {num(total)} uitnodigingen.",
                    f"Census: {num(total)} invitations.",
                )
            )
        else:
            size_mode = st.radio(
                t("Steekproefgrootte", "Sample size"),
                ["n", "moe"],
                format_func=lambda m: {
                    "n": t("Aantal uitnodigingen", "Number of invitations"),
                    "moe": t("Uit een doelfoutenmarge", "From a target margin of error"),
                }[m],
                index=1 if used_params.get("target_moe") else 0,
                horizontal=True,
                key="size_mode",
                disabled=fixed,
            )
            if size_mode == "n":
                n = int(
                    st.number_input(
                        "n", 1, total, min(int(used.get("n") or 400), total), key="n",
                        disabled=fixed,
                    )
                )  # fmt: skip
            else:
                c1, c2, c3 = st.columns(3)
                # In percent, shown without decimals unless typed (Streamlit's number input
                # writes a decimal point, whatever the language).
                moe = c1.number_input(
                    t("Foutenmarge (%)", "Margin of error (%)"),
                    0.5, 50.0, float(100 * (used_params.get("target_moe") or 0.05)), 0.5,
                    format="%g", key="moe", disabled=fixed,
                ) / 100  # fmt: skip
                confidence = c2.selectbox(
                    t("Betrouwbaarheid", "Confidence"),
                    [0.9, 0.95, 0.99],
                    index=[0.9, 0.95, 0.99].index(used_params.get("confidence", 0.95))
                    if used_params.get("confidence", 0.95) in (0.9, 0.95, 0.99)
                    else 1,
                    disabled=fixed,
                    format_func=partial(fmt.percent, decimals=0, lang=LANG),
                    key="conf",
                )
                rr = c3.number_input(
                    t("Verwachte respons (%)", "Expected response rate (%)"),
                    5.0, 100.0, float(100 * (used_params.get("response_rate") or 0.4)), 5.0,
                    format="%g", key="rr", disabled=fixed,
                ) / 100  # fmt: skip
                try:
                    sized = svc.size_for_moe(
                        engine, wave_id, strata, method, moe, confidence=confidence,
                        response_rate=rr, minimum=minimum, sd=sd, power=power,
                    )  # fmt: skip
                except svc.SamplingError as exc:
                    st.error(str(exc))
                    st.stop()
                size = sized.size
                n = size.invitations
                st.info(
                    t(
                        f"Nodig: {num(size.completes)} volledige antwoorden, dus "
                        f"{num(size.invitations)} uitnodigingen (populatie {num(total)}).",
                        f"Needed: {num(size.completes)} completes, so {num(size.invitations)} "
                        f"invitations (population {num(total)}).",
                    )
                    + (
                        t(
                            " Zelfs een volledige telling volstaat niet.",
                            " Even a census falls short.",
                        )
                        if size.capped
                        else ""
                    )
                )
                st.caption(
                    t(
                        f"Designeffect van de allocatie (Kish, uit de geplande gewichten "
                        f"N_h/n_h): {D.fmt(sized.deff_allocation, 2)}. Zonder dat effect zouden "
                        f"{num(sized.without.invitations)} uitnodigingen volstaan; met "
                        f"{num(size.invitations)} is de verwachte foutenmarge "
                        f"{expected_moe_words(sized.expected_moe)} (doel ±{D.pct(moe, 1)}).",
                        f"Design effect of the allocation (Kish, from the planned weights "
                        f"N_h/n_h): {D.fmt(sized.deff_allocation, 2)}. Without it "
                        f"{num(sized.without.invitations)} invitations would do; with "
                        f"{num(size.invitations)} the expected margin of error is "
                        f"{expected_moe_words(sized.expected_moe)} (target ±{D.pct(moe, 1)}).",
                    )
                )

        st.subheader(t("Ontwerpen naast elkaar", "Designs side by side"))
        st.caption(
            t(
                f"Verwachte foutenmarge (95%, proportie 50%) per stratum voor hetzelfde budget "
                f"van {num(n)} uitnodigingen; bij 'minimum' minstens "
                f"{num(minimum) if minimum else 'min(30, n/H)'} per "
                "stratum.",
                f"Expected margin of error (95%, proportion 50%) per stratum for the same "
                f"budget of {num(n)} invitations.",
            )
        )
        try:
            comparison = svc.design_comparison(
                engine, wave_id, strata, n, sd=sd if method == "neyman" else None,
                minimum=minimum or None,
            )  # fmt: skip
        except svc.SamplingError as exc:
            st.error(str(exc))
        else:

            def shown(table: pd.DataFrame, cell) -> pd.DataFrame:
                if strata == "profession":
                    table = table.loc[profession_order(table.index)]
                out = table.map(cell).rename(columns=lambda m: label("allocation", m))
                return out.rename(index=lambda h: label(strata, h) if strata == "profession" else h)

            moe_table = designs_side_by_side(comparison, "moe")
            n_table = designs_side_by_side(comparison, "n")
            st.dataframe(shown(moe_table, moe_cell))
            with st.expander(t("Aantal uitnodigingen per ontwerp", "Invitations per design")):
                st.dataframe(shown(n_table, num))

        st.subheader(t("Trekken", "Draw"))
        if "seed" not in st.session_state:
            st.session_state["seed"] = used.get("seed", secrets.randbelow(1_000_000))
        seed = int(
            st.number_input(
                t("Seed (bewaar hem: dezelfde seed geeft dezelfde steekproef)",
                  "Seed (keep it: the same seed gives the same sample)"),
                0, 2**31 - 1, key="seed",
            )
        )  # fmt: skip
        if issued:
            st.warning(
                t(
                    f"{num(issued)} uitnodigingen zijn al uitgegeven: de steekproef ligt vast.",
                    f"{num(issued)} invitations have been issued: the sample is fixed.",
                )
            )
        elif sample:
            st.caption(
                t(
                    "Opnieuw trekken vervangt de huidige steekproef (er is nog niets verstuurd).",
                    "Drawing again replaces the current sample (nothing has been sent yet).",
                )
            )
        if st.button(
            t("Steekproef trekken", "Draw the sample"),
            key="draw",
            type="primary",
            disabled=bool(issued),
        ):
            try:
                result = svc.draw_sample(
                    engine,
                    wave_id,
                    strata,
                    method,
                    n=None if method == "census" or moe is not None else n,
                    seed=seed,
                    minimum=minimum,
                    sd=sd,
                    power=power,
                    moe=moe,
                    confidence=st.session_state.get("conf", 0.95),
                    response_rate=rr if moe is not None else 1.0,
                )
            except svc.SamplingError as exc:
                st.error(str(exc))
            else:
                st.session_state["draw_message"] = t(
                    f"Steekproef getrokken: {num(result.n)} eenheden, seed {result.seed}.",
                    f"Sample drawn: {num(result.n)} units, seed {result.seed}.",
                )
                st.rerun()
        if "draw_message" in st.session_state:
            st.success(st.session_state.pop("draw_message"))
        if sample:
            with reading(engine) as conn:
                units = store_samples.sample_units_frame(conn, sample["id"])
            realised = units["stratum"].value_counts().to_dict()
            st.markdown(
                t(
                    f"**Huidige steekproef**: allocatie "
                    f"{fmt.label('allocation', sample['method'], 'nl')}, strata naar "
                    f"{fmt.label('variable', sample['strata_var'], 'nl')}, "
                    f"n = {num(sample['n'])}, seed {sample['seed']}.",
                    f"**Current sample**: {fmt.label('allocation', sample['method'], 'en')} "
                    f"allocation, strata by {fmt.label('variable', sample['strata_var'], 'en')}, "
                    f"n = {num(sample['n'])}, seed {sample['seed']}.",
                )
            )
            params = sample.get("parameters") or {}
            if params.get("deff_allocation") is not None:
                st.caption(
                    t(
                        f"Designeffect van de allocatie (Kish): "
                        f"{D.fmt(params['deff_allocation'], 2)}; verwachte foutenmarge na dat "
                        f"effect (proportie 50%, {D.pct(params.get('confidence', 0.95), 0)}): "
                        f"{expected_moe_words(params.get('expected_moe'))}"
                        + (
                            f", doel ±{D.pct(params['target_moe'], 1)}."
                            if params.get("target_moe")
                            else "."
                        ),
                        f"Design effect of the allocation (Kish): "
                        f"{D.fmt(params['deff_allocation'], 2)}; expected margin of error after "
                        f"it (proportion 50%, {D.pct(params.get('confidence', 0.95), 0)}): "
                        f"{expected_moe_words(params.get('expected_moe'))}"
                        + (
                            f", target ±{D.pct(params['target_moe'], 1)}."
                            if params.get("target_moe")
                            else "."
                        ),
                    )
                )
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "stratum": label(sample["strata_var"], h)
                            if sample["strata_var"] == "profession"
                            else h,
                            "N_h": num(N),
                            t("n_h toegewezen", "n_h allocated"): num(
                                sample["allocation"].get(h, 0)
                            ),
                            t("n_h getrokken", "n_h drawn"): num(realised.get(h, 0)),
                            t("inclusiekans", "inclusion probability"): num(
                                sample["allocation"].get(h, 0) / N if N else 0.0, 3
                            ),
                            t("ontwerpgewicht", "design weight"): num(
                                N / sample["allocation"][h]
                                if sample["allocation"].get(h)
                                else None,
                                2,
                            ),
                        }
                        for h, N in (
                            {
                                h: sample["population"][h]
                                for h in profession_order(sample["population"])
                            }
                            if sample["strata_var"] == "profession"
                            else sample["population"]
                        ).items()
                    ]
                ),
                hide_index=True,
            )

# --------------------------------------------------------------------------- 3. invitations
with tab_invite:
    overview = svc.invitations_overview(engine, wave_id)
    if overview.empty:
        st.info(t("Er zijn nog geen uitnodigingen: trek eerst een steekproef.",
                  "No invitations yet: draw a sample first."))  # fmt: skip
    else:
        st.dataframe(overview.map(num).rename(columns=lambda d: label("disposition", d)))
        default_deadline = wave.get("fieldwork_end") or dt.date.today() + dt.timedelta(days=21)
        deadline = st.date_input(
            t("Antwoorden tot en met", "Answers until"),
            default_deadline,
            format=fmt.DATE_INPUT_FORMAT,
            key="deadline",
        )
        reminder = st.toggle(
            t(
                "Herinnering (nieuwe links voor wie nog niet volledig antwoordde, zich niet "
                "afmeldde en bereikbaar is)",
                "Reminder (new links for those not complete, not opted out, reachable)",
            ),
            key="reminder",
        )

        st.subheader(t("Mail-merge-bestand", "Mail-merge file"))
        st.caption(
            t(
                "Het bestand maken geeft de persoonlijke links uit en zet deze uitnodigingen op "
                "'uitgenodigd'. Enkel de nieuwste links werken: bewaar het bestand goed.",
                "Making the file issues the personal links and marks these invitations "
                "'invited'. Only the newest links work: keep the file safe.",
            )
        )
        file_format = st.radio(
            t("Formaat", "Format"), ["xlsx", "csv"], horizontal=True, key="mm_format"
        )
        if st.button(t("Bestand maken", "Make the file"), key="mm_make"):
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    name = f"uitnodigingen_bevraging{wave_id}{'_herinnering' if reminder else ''}.{file_format}"
                    result = svc.export_invitations(
                        engine, wave_id, Path(tmp) / name, reminder=reminder, deadline=deadline
                    )
                    st.session_state["mailmerge"] = {
                        "wave_id": wave_id,
                        "name": name,
                        "data": result.path.read_bytes(),
                        "n": result.n,
                    }
            except svc.SamplingError as exc:
                st.error(str(exc))
            else:
                st.rerun()
        made = st.session_state.get("mailmerge")
        if made and made.get("wave_id") != wave_id:
            # The file made for another wave holds its links, not this wave's: never offer it.
            st.session_state.pop("mailmerge")
            made = None
        if made:
            st.success(t(f"{made['n']} links uitgegeven.", f"{made['n']} links issued."))
            webapp.download_button(
                t(f"Download {made['name']}", f"Download {made['name']}"),
                lambda data=made["data"]: data,
                file_name=made["name"],
                mime=(
                    "text/csv"
                    if made["name"].endswith(".csv")
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                ),
                key="mm_download",
            )

        st.subheader(t("Versturen per e-mail", "Send by e-mail"))
        try:
            smtp = svc.smtp_config_from_env()
        except svc.SamplingError as exc:
            smtp = None
            st.info(
                t(
                    "Geen mailserver ingesteld (KTM_SMTP_HOST, KTM_SMTP_SENDER, ...). "
                    "Gebruik het mail-merge-bestand, of stel de server in.",
                    "No mail server configured (KTM_SMTP_HOST, KTM_SMTP_SENDER, ...). "
                    "Use the mail-merge file, or configure the server.",
                )
                + f"\n\n{exc}"
            )
        if smtp is not None:
            st.caption(
                t(
                    f"Server {smtp.host}:{smtp.effective_port} ({smtp.security}), afzender "
                    f"{smtp.sender}.",
                    f"Server {smtp.host}:{smtp.effective_port} ({smtp.security}), sender "
                    f"{smtp.sender}.",
                )
            )
            confirm = st.checkbox(
                t("Ik wil nu versturen", "I want to send now"), key="send_confirm"
            )
            label = (
                t("Herinneringen versturen", "Send reminders")
                if reminder
                else t("Uitnodigingen versturen", "Send invitations")
            )
            if st.button(label, key="send", type="primary", disabled=not confirm):
                try:
                    summary = run_with_progress(
                        label,
                        lambda progress: svc.send_invitations(
                            engine,
                            wave_id,
                            smtp,
                            reminder=reminder,
                            deadline=deadline,
                            progress=progress,
                        ),  # fmt: skip
                    )
                except svc.SamplingError as exc:
                    st.error(str(exc))
                else:
                    st.session_state["send_summary"] = summary
                    st.rerun()
        summary = st.session_state.pop("send_summary", None)
        if summary is not None:
            st.success(
                t(
                    f"Verstuurd: {summary.sent}; onbestelbaar: {summary.bounced}; "
                    f"mislukt (later opnieuw): {summary.failed}.",
                    f"Sent: {summary.sent}; bounced: {summary.bounced}; "
                    f"failed (retry later): {summary.failed}.",
                )
            )
            if not summary.problems.empty:
                st.dataframe(summary.problems, hide_index=True)

# --------------------------------------------------------------------------- 4. post-contact
with tab_post:
    if not wave.get("post_contact"):
        st.info(
            t(
                "Deze bevraging heeft geen bevraging na contact (zie Bevragingen).",
                "This wave has no post-contact survey (see Waves).",
            )
        )
    elif not snapshot:
        st.info(t("Lees eerst een kader in.", "Import a frame first."))
    else:
        st.markdown(
            t(
                "Lees een export van e-loketindieningen in (kolommen: unit_id, procedure, "
                "datum). Elke indiener krijgt enkele dagen later een uitnodiging, hoogstens één "
                "keer per periode.",
                "Import an e-loket export of submissions (unit_id, procedure, date). Each "
                "submitter is invited a few days later, at most once per period.",
            )
        )
        c1, c2 = st.columns(2)
        days = int(
            c1.number_input(t("Dagen na de indiening", "Days after"), 0, 60, 3, key="pc_days")
        )
        period = int(
            c2.number_input(t("Periode (dagen)", "Period (days)"), 1, 730, 182, key="pc_period")
        )
        post_file = st.file_uploader(
            t("Export van indieningen (.xlsx of .csv)", "Submissions export (.xlsx or .csv)"),
            type=["xlsx", "csv"],
            key="pc_file",
        )
        if st.button(
            t("Uitnodigingen aanmaken", "Create invitations"),
            key="pc_make",
            disabled=post_file is None,
        ):
            st.session_state.pop("pc_problems", None)
            try:
                result = svc.post_contact(
                    engine, post_file.getvalue(), wave_id, filename=post_file.name,
                    days=days, period_days=period,
                )  # fmt: skip
            except FrameError as exc:
                st.session_state["pc_problems"] = refusal(
                    exc,
                    t(
                        f"{post_file.name}: {len(exc.problems)} probleem/problemen; niets "
                        "aangemaakt.",
                        f"{post_file.name}: {len(exc.problems)} problem(s); nothing created.",
                    ),
                )
            except svc.SamplingError as exc:
                st.error(str(exc))
            else:
                st.session_state["pc_result"] = result.summary()
        show_problems("pc_problems")
        for line in st.session_state.get("pc_result", []):
            st.text(line)
        st.caption(
            t(
                "Verstuur ze met de knop hieronder of met `ktm invitations send --post-contact`.",
                "Send them with the button below or `ktm invitations send --post-contact`.",
            )
        )
        if st.button(t("Post-contactuitnodigingen versturen", "Send post-contact invitations"),
                     key="pc_send"):  # fmt: skip
            try:
                smtp = svc.smtp_config_from_env()
                summary = run_with_progress(
                    t("Versturen", "Sending"),
                    lambda progress: svc.send_invitations(
                        engine,
                        wave_id,
                        smtp,
                        mode=svc.POST_CONTACT,
                        deadline=wave.get("fieldwork_end")
                        or dt.date.today() + dt.timedelta(days=14),
                        progress=progress,
                    ),  # fmt: skip
                )
            except svc.SamplingError as exc:
                st.error(str(exc))
            else:
                st.success(
                    t(
                        f"Verstuurd: {summary.sent}; onbestelbaar: {summary.bounced}; mislukt: "
                        f"{summary.failed}.",
                        f"Sent: {summary.sent}; bounced: {summary.bounced}; failed: "
                        f"{summary.failed}.",
                    )
                )

# --------------------------------------------------------------------------- 5. bounces
with tab_bounce:
    st.markdown(
        t(
            "Lees een lijst in van adressen die onbestelbaar bleken (bounces van uw mail merge) "
            "of van personen die zich buiten de link om afmeldden. Eén kolom **email** (of "
            "**unit_id**), als .xlsx of .csv. Een bestand met een onbekend adres wordt helemaal "
            "niet toegepast: u krijgt elk probleem met zijn rij.",
            "Import a list of addresses that bounced (from your mail merge) or of people who "
            "opted out outside the link. One column **email** (or **unit_id**), .xlsx or "
            ".csv. A file with an unknown address is not applied at all: you get every "
            "problem with its row.",
        )
    )
    kind = st.radio(
        t("Soort", "Kind"),
        ["bounce", "opt_out"],
        format_func=lambda k: {
            "bounce": t("Onbestelbaar (bounce)", "Undeliverable (bounce)"),
            "opt_out": t("Afgemeld (weigering)", "Opted out (refusal)"),
        }[k],
        horizontal=True,
        key="bounce_kind",
    )
    bounce_file = st.file_uploader(
        t("Lijst (.xlsx of .csv)", "List (.xlsx or .csv)"), type=["xlsx", "csv"], key="bounce_file"
    )
    if st.button(
        t("Lijst toepassen", "Apply list"), key="bounce_apply", disabled=bounce_file is None
    ):
        st.session_state.pop("bounce_problems", None)
        try:
            done = bounce_svc.import_dispositions(
                engine, wave_id, bounce_file.getvalue(), event=kind, filename=bounce_file.name
            )
        except FrameError as exc:
            st.session_state["bounce_problems"] = refusal(
                exc,
                t(
                    f"{bounce_file.name}: {len(exc.problems)} probleem/problemen; er is niets "
                    "gewijzigd.",
                    f"{bounce_file.name}: {len(exc.problems)} problem(s); nothing was changed.",
                ),
            )
        else:
            st.session_state["bounce_result"] = done.summary()
    show_problems("bounce_problems")
    if "bounce_result" in st.session_state:
        st.success(st.session_state.pop("bounce_result"))

# --------------------------------------------------------------------------- 6. weighting
with tab_weight:
    stored = weighting_svc.WeightingChoice.from_json(wave.get("weighting"))
    st.markdown(
        t(
            "Hoe de antwoorden gewogen worden: designgewichten, non-responscorrectie per "
            "stratum en raking naar kadermarges, met grenzen voor het trimmen. Standaard "
            "(automatisch) wordt geraked naar de kadervariabelen waarop de respons "
            "onevenwichtig is. Bekijk het voorbeeld en bewaar dan.",
            "How the answers are weighted: design weights, a nonresponse adjustment per "
            "stratum and raking to frame margins, with trimming bounds. By default "
            "(automatic) the weights are raked to the frame variables the response is "
            "unbalanced on. Look at the preview, then save.",
        )
    )
    if sample is None:
        st.info(t("Trek eerst een steekproef.", "Draw a sample first."))
    else:
        modes = {
            "auto": t("Automatisch (onevenwichtige variabelen)", "Automatic (unbalanced)"),
            "set": t("Zelf gekozen marges", "Margins of my choice"),
            "none": t("Geen raking", "No raking"),
        }
        initial = (
            "auto"
            if stored.margins is None or stored.auto
            else ("none" if not stored.margins else "set")
        )
        if stored.auto:
            st.caption(
                t(
                    "De automatische keuze werd vastgelegd bij het afsluiten: ",
                    "The automatic choice was fixed when the wave closed: ",
                )
                + (margin_names(stored.margins) or t("geen raking", "no raking"))
            )
        how = st.radio(
            t("Raking", "Raking"),
            list(modes),
            index=list(modes).index(initial),
            format_func=modes.get,
            horizontal=True,
            key="w_mode",
        )
        chosen: tuple[str, ...] | None = None if how == "auto" else ()
        if how == "set":
            usable = [v for v in variables if v in ("profession", "training_year", "university",
                                                    "language")]  # fmt: skip
            chosen = tuple(
                st.multiselect(
                    t("Kadervariabelen", "Frame variables"),
                    usable,
                    default=[m for m in (stored.margins or ()) if m in usable],
                    format_func=fmt.labeller("variable", LANG),
                    placeholder=t("Kies kadervariabelen", "Choose frame variables"),
                    key="w_margins",
                )
            )
        c1, c2 = st.columns(2)
        # A choice of bounds written in the page's numbers (0,25 × gemiddeld gewicht), not a
        # number input: Streamlit's writes 0.00, a decimal point on a Dutch page.
        stored_low = float((stored.trim or {}).get("lower_ratio", 0.0))
        stored_high = float((stored.trim or {}).get("upper_ratio", 0.0))
        lows = trim_options([i / 20 for i in range(20)], stored_low)
        highs = trim_options([0.0, *(i / 2 for i in range(3, 41))], stored_high)
        low = c1.selectbox(
            t("Ondergrens van de gewichten", "Lower bound of the weights"),
            lows, index=lows.index(stored_low), format_func=trim_text, key="w_low",
            help=t("Geen gewicht kleiner dan dit deel van het gemiddelde gewicht.",
                   "No weight below this share of the mean weight."),
        )  # fmt: skip
        high = c2.selectbox(
            t("Bovengrens van de gewichten", "Upper bound of the weights"),
            highs, index=highs.index(stored_high), format_func=trim_text, key="w_high",
            help=t("Geen gewicht groter dan dit veelvoud van het gemiddelde gewicht.",
                   "No weight above this multiple of the mean weight."),
        )  # fmt: skip
        trim = {k: v for k, v in (("lower_ratio", low), ("upper_ratio", high)) if v > 0}
        choice = weighting_svc.WeightingChoice(chosen, trim or None)
        # The preview runs two analyses of the wave: only on request, and kept for this choice.
        if st.button(t("Voorbeeld tonen", "Show preview"), key="w_preview_run"):
            try:
                st.session_state["w_view"] = (
                    wave_id,
                    choice,
                    weighting_svc.preview(engine, wave_id, choice),
                )
            except (weighting_svc.WeightingError, LookupError) as exc:
                st.session_state.pop("w_view", None)
                st.warning(str(exc))
        kept = st.session_state.get("w_view")
        if kept and kept[:2] == (wave_id, choice):
            view = kept[2]

            def column(fig: dict) -> list[str]:
                w, o = fig["weights"], fig["overall"]
                return [
                    margin_names(fig["margins"]) or t("geen raking", "no raking"),
                    f"{D.fmt(w['min'], 2)} – {D.fmt(w['max'], 2)}",
                    D.fmt(w["deff"], 3),
                    D.fmt(w["n_eff"], 1),
                    "-"
                    if o is None
                    else f"{D.fmt(o['estimate'], 1)} "
                    f"({D.fmt(o['ci_low'], 1)} – {D.fmt(o['ci_high'], 1)})",
                ]

            st.dataframe(
                pd.DataFrame(
                    {
                        t("Nu bewaard", "Stored now"): column(view["current"]),
                        t("Voorstel", "Proposed"): column(view["proposed"]),
                    },
                    index=[
                        t("Marges", "Margins"),
                        t("Gewichten (min – max)", "Weights (min – max)"),
                        t("Designeffect (Kish)", "Design effect (Kish)"),
                        t("Effectieve n", "Effective n"),
                        t("Algemene tevredenheid (0-100)", "Overall satisfaction (0-100)"),
                    ],
                ),
                key="w_preview",
            )
            for n in view["proposed"].get("notes", []):
                st.caption(wording.text(n, "en" if webapp.lang() == "en" else "nl"))
            test = view["test"]
            if not test.empty:
                st.caption(
                    t(
                        "Respons per kadervariabele (chikwadraat): ",
                        "Response balance (chi-square): ",
                    )
                    + "; ".join(
                        f"{label('variable', r.variable)} {fmt.p_text(r.p, LANG)}"
                        + (t(" (onevenwichtig)", " (unbalanced)") if r.unbalanced else "")
                        for r in test.itertuples()
                    )
                )
            if st.button(t("Weging bewaren", "Save weighting"), key="w_save", type="primary"):
                weighting_svc.save(engine, wave_id, choice)
                st.session_state["w_saved"] = True
                st.session_state.pop("w_view", None)
                st.rerun()
        if st.session_state.pop("w_saved", False):
            st.success(t("Weging bewaard bij de bevraging.", "Weighting stored with the wave."))
