"""The wave's data for the statistics packages analysts use: SPSS (.sav), Stata (.dta), Parquet and
CSV, each with its codebook, and the design declared for R's ``survey`` and SPSS Complex Samples.

The rows and codes are those of the workbook's Data sheet (:func:`report.excel.data_table`), so the
same disclosure profile applies; a file adds what a package needs to be read without the codebook:

- names a package accepts (``procedures/stageplan`` -> ``procedures_stageplan``, at most 32
  characters, unique), with the original name in the codebook;
- variable labels (the question text) and value labels (the choice labels) in one language;
- n.v.t. ("not applicable / don't know") kept apart from "not answered": in SPSS the code
  :data:`NA_VALUE` declared as a user-missing value, in Stata the extended missing value ``.a``,
  both labelled; in Parquet and CSV an empty cell, as on the Data sheet;
- text codes of choice questions and of the strata (profession, mode, ...) as numbers 1..k with
  their labels, in the order of the questionnaire (the codebook lists code, number and label);
- the design: stratum, the stratum's population size ``N_h`` (fpc), the design weight, the weight
  after the nonresponse adjustment ``weight_nr`` and the final weight ``weight``.

:func:`r_script` and :func:`spss_syntax` write the design declaration that gives the tool's
estimates in the analyst's own package (R ``svydesign`` + ``rake`` + ``trimWeights``; SPSS
``CSPLAN`` on the final weight).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from report import excel

#: The SPSS code of n.v.t. (declared user-missing); outside every scale of the questionnaire.
NA_VALUE = 99
#: The Stata extended missing value of n.v.t.
NA_STATA = "a"

NA_TEXT = {"nl": "n.v.t. / weet niet", "en": "not applicable / don't know"}

FORMATS = ("xlsx", "sav", "dta", "csv", "parquet")

#: Labels of the coded meta columns of the Data sheet, per language.
MODE_LABELS = {
    "invited": {"nl": "Uitgenodigd (steekproef)", "en": "Invited (sample)"},
    "open": {"nl": "Open link (zelfselectie)", "en": "Open link (self-selected)"},
    "paper": {"nl": "Papier", "en": "Paper"},
    "post_contact": {"nl": "Na contact (open link)", "en": "After contact (open link)"},
}
STATUS_LABELS = {
    "complete": {"nl": "Volledig ingevuld", "en": "Complete"},
    "partial": {"nl": "Gedeeltelijk ingevuld", "en": "Partial"},
}
LANGUAGE_LABELS = {
    "nl": {"nl": "Nederlands", "en": "Dutch"},
    "en": {"nl": "Engels", "en": "English"},
    "fr": {"nl": "Frans", "en": "French"},
    "de": {"nl": "Duits", "en": "German"},
}

#: Design columns added to the Data sheet's, with their labels.
DESIGN_META: dict[str, tuple[str, str]] = {
    "N_h": ("Populatiegrootte van het stratum (fpc)", "Population size of the stratum (fpc)"),
    "weight_nr": (
        "Gewicht na non-responscorrectie, voor raking (enkel volledige antwoorden uit de "
        "steekproef)",
        "Weight after the nonresponse adjustment, before raking (sampled completes only)",
    ),
}


@dataclass
class Microdata:
    """One table ready for a statistics package, with everything it needs to label itself.

    ``frame``: the data with package-safe names; ``names``: original -> safe name;
    ``variable_labels`` and ``value_labels`` keyed by safe name; ``na_columns``: safe names of
    the items with an n.v.t. option; ``na``: a boolean frame (same shape) true where the answer
    was n.v.t.; ``codebook``: one row per variable (name, original, label, type, codes)."""

    frame: pd.DataFrame
    names: dict[str, str]
    variable_labels: dict[str, str]
    value_labels: dict[str, dict[Any, str]]
    na_columns: list[str]
    na: pd.DataFrame
    codebook: pd.DataFrame
    lang: str = "nl"
    design: Mapping[str, Any] = field(default_factory=dict)


def safe_names(columns: Sequence[str]) -> dict[str, str]:
    """Names SPSS and Stata both accept: a letter first, letters, digits and _, at most 32
    characters, unique (case-insensitively, as SPSS compares them)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        base = re.sub(r"\W", "_", str(col), flags=re.ASCII).strip("_") or "v"
        if not base[0].isalpha():
            base = "v_" + base
        base = base[:32]
        name, k = base, 2
        while name.lower() in taken:
            suffix = f"_{k}"
            name, k = base[: 32 - len(suffix)] + suffix, k + 1
        taken.add(name.lower())
        out[col] = name
    return out


def _text(label: Mapping[str, str] | None, lang: str) -> str:
    label = dict(label or {})
    return label.get(lang) or label.get("nl") or label.get("en") or ""


def _coded(values: pd.Series, order: Sequence[str], labels: Mapping[str, str]) -> tuple:
    """Text codes -> numbers 1..k (questionnaire order, then the others sorted) and labels."""
    present = [str(v) for v in pd.unique(values.dropna().astype(str))]
    codes = list(dict.fromkeys([*map(str, order), *sorted(set(present) - set(map(str, order)))]))
    number = {c: i + 1 for i, c in enumerate(codes)}
    numeric = values.map(lambda v: number.get(str(v)) if pd.notna(v) else np.nan)
    return numeric.astype("float64"), {number[c]: labels.get(c) or c for c in codes}, number


def _with_design_columns(data: pd.DataFrame, population, nonresponse_weights) -> pd.DataFrame:
    """The Data sheet's table with N_h (before the design weight) and the weight after the
    nonresponse adjustment (before the final weight), where they are given."""
    if population is not None and "stratum" in data:
        data.insert(
            data.columns.get_loc("design_weight") if "design_weight" in data else len(data.columns),
            "N_h",
            data["stratum"].map(lambda h: population.get(h, np.nan)).astype("float64"),
        )
    if nonresponse_weights is not None and "weight" in data and "response_id" in data:
        data.insert(
            data.columns.get_loc("weight"),
            "weight_nr",
            data["response_id"].map(nonresponse_weights).astype("float64"),
        )
    return data


def _item_values(item, s: pd.Series, lang: str):
    """(values, value labels, code -> number or None) of an answer column: a scale, rating
    or multi as numbers with every point labelled, another item's codes numbered."""
    choices = [(str(c), _text(lab, lang)) for c, lab in (item.choices or [])]
    if item.kind not in ("scale", "rating", "multi"):
        return _coded(s, [c for c, _ in choices], dict(choices))
    s = pd.to_numeric(s, errors="coerce").astype("float64")
    codes = {int(c) if c.lstrip("-").isdigit() else c: lab for c, lab in choices}
    if item.kind in ("scale", "rating") and item.scale_min is not None:
        # Every point labelled: the ends from the questionnaire, the others by number.
        for v in range(int(item.scale_min), int(item.scale_max) + 1):
            codes.setdefault(v, str(v))
        codes = dict(sorted(codes.items()))
    return s, codes, None


def microdata(
    book: excel.WorkbookInput,
    lang: str = "nl",
    *,
    na_mask: pd.DataFrame | None = None,
    population: Mapping[str, float] | None = None,
    nonresponse_weights: pd.Series | None = None,
    stratum_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> Microdata:
    """The Data sheet of ``book`` as a labelled table in ``lang`` (nl or en).

    ``na_mask``: response_id-indexed booleans per answer column, true where the answer was
    n.v.t. (the store keeps n.v.t. apart from "not answered"; the Data sheet shows both empty);
    ``population``: N_h per stratum; ``nonresponse_weights``: the weight after the nonresponse
    adjustment per response_id; ``stratum_labels``: {code: {lang: label}} for the profession and
    stratum codes."""
    if lang not in ("nl", "en"):
        raise ValueError(f"language {lang!r}: choose nl or en")
    # The rows of the book's profile: in the publication profile coarsened, without response
    # number, stratum and weights (report.excel.publication_data_table), so every format
    # discloses exactly what the workbook's Data sheet does.
    data = _with_design_columns(excel.profile_data_table(book), population, nonresponse_weights)
    columns = {c.name: c for c in book.columns}
    names = safe_names(list(data.columns))
    idx = 0 if lang == "nl" else 1
    meta = {**excel.DATA_META, **DESIGN_META}
    out = pd.DataFrame(index=data.index)
    var_labels: dict[str, str] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    na_columns: list[str] = []
    na = pd.DataFrame(False, index=data.index, columns=[names[c] for c in data.columns])
    rows = []
    strata_text = {k: _text(v, lang) for k, v in (stratum_labels or {}).items()}
    meta_labels = {
        "mode": {k: _text(v, lang) for k, v in MODE_LABELS.items()},
        "status": {k: _text(v, lang) for k, v in STATUS_LABELS.items()},
        "response_language": {k: _text(v, lang) for k, v in LANGUAGE_LABELS.items()},
        "language": {k: _text(v, lang) for k, v in LANGUAGE_LABELS.items()},
        "profession": strata_text,
        "stratum": strata_text,
        "university": {},
    }
    for col in data.columns:
        name, s = names[col], data[col]
        item = columns.get(col)
        codes: dict[Any, str] = {}
        mapping: dict[str, int] | None = None
        if item is None:
            var_labels[name] = meta[col][idx] if col in meta else col
            kind = "meta"
            if col in meta_labels:
                known = meta_labels[col]
                s, codes, mapping = _coded(s, list(known), known)
        else:
            var_labels[name] = _text(item.label, lang)
            kind = item.kind
            s, codes, mapping = _item_values(item, s, lang)
            if item.na and na_mask is not None and col in na_mask.columns and "response_id" in data:
                mask = data["response_id"].map(na_mask[col]).fillna(False).astype(bool)
                na[name] = mask.to_numpy()
                na_columns.append(name)
        out[name] = s
        if codes:
            value_labels[name] = codes
        rows.append(
            {
                "variable": name,
                "column": col,
                "label": var_labels[name],
                "kind": kind,
                "codes": "; ".join(
                    f"{num} = {codes[num]}" + (f" ({code})" if mapping else "")
                    for code, num in (mapping or {k: k for k in codes}).items()
                )
                or None,
                "na": (
                    f"{NA_VALUE} / .{NA_STATA} = {NA_TEXT[lang]}" if name in na_columns else None
                ),
            }
        )
    codebook = pd.DataFrame(rows, columns=["variable", "column", "label", "kind", "codes", "na"])
    return Microdata(out, names, var_labels, value_labels, na_columns, na, codebook, lang)


def _file_label(book: excel.WorkbookInput, lang: str) -> str:
    name = str(book.wave.get("name") or book.wave.get("id"))
    if book.profile == "publication":
        text = f"{name}: publicatieprofiel" if lang == "nl" else f"{name}: publication profile"
    else:
        text = f"{name}: vertrouwelijk, intern gebruik" if lang == "nl" else f"{name}: confidential"
    return text[:80]


def write_sav(book: excel.WorkbookInput, md: Microdata, path: str | Path) -> Path:
    """SPSS .sav: labels, n.v.t. as the user-missing code NA_VALUE, final weight ``weight``."""
    import pyreadstat

    df = md.frame.copy()
    labels = {k: dict(v) for k, v in md.value_labels.items()}
    missing: dict[str, list] = {}
    for name in md.na_columns:
        df.loc[md.na[name].to_numpy(), name] = float(NA_VALUE)
        labels.setdefault(name, {})[NA_VALUE] = NA_TEXT[md.lang]
        missing[name] = [NA_VALUE]
    measure = {
        n: ("nominal" if n in labels and n not in md.na_columns else "scale") for n in df.columns
    }
    path = Path(path)
    pyreadstat.write_sav(
        df,
        str(path),
        file_label=_file_label(book, md.lang),
        column_labels=md.variable_labels,
        variable_value_labels=labels,
        missing_ranges=missing,
        variable_measure=measure,
    )
    return path


def write_dta(book: excel.WorkbookInput, md: Microdata, path: str | Path) -> Path:
    """Stata .dta (version 15): labels, n.v.t. as the extended missing value ``.a``."""
    import pyreadstat

    df = md.frame.copy()
    labels = {k: dict(v) for k, v in md.value_labels.items()}
    missing: dict[str, list] = {}
    for name in md.na_columns:
        col = df[name].astype(object)
        col[md.na[name].to_numpy()] = NA_STATA
        df[name] = col
        labels.setdefault(name, {})[NA_STATA] = NA_TEXT[md.lang]
        missing[name] = [NA_STATA]
    # Stata labels only integers: value labels of non-integral codes would be refused.
    labels = {
        n: {k: v for k, v in lab.items() if isinstance(k, str) or float(k).is_integer()}
        for n, lab in labels.items()
    }
    path = Path(path)
    pyreadstat.write_dta(
        df,
        str(path),
        file_label=_file_label(book, md.lang),
        column_labels={k: v[:80] for k, v in md.variable_labels.items()},
        variable_value_labels=labels,
        missing_user_values=missing,
    )
    return path


def write_parquet(book: excel.WorkbookInput, md: Microdata, path: str | Path) -> Path:
    """Parquet with the labels in the schema's field metadata; n.v.t. empty, as on the Data sheet."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(md.frame, preserve_index=False)
    fields = []
    for f in table.schema:
        meta = {"label": md.variable_labels.get(f.name, "")}
        if f.name in md.value_labels:
            meta["value_labels"] = json.dumps(
                {str(k): v for k, v in md.value_labels[f.name].items()}, ensure_ascii=False
            )
        fields.append(f.with_metadata(meta))
    schema = pa.schema(fields, metadata={"wave": str(book.wave.get("name") or "")})
    path = Path(path)
    pq.write_table(table.cast(schema), str(path))
    return path


def codebook_csv(md: Microdata) -> bytes:
    """The codebook beside a .parquet or .csv file (UTF-8 with BOM, ';', as the other CSVs)."""
    return excel.csv_bytes(md.codebook)


def data_csv(md: Microdata) -> bytes:
    return excel.csv_bytes(md.frame)


# --- the design, declared for the analyst's own package ------------------------------------


@dataclass(frozen=True)
class DesignSpec:
    """What R and SPSS need to rebuild the tool's weighted design of the sampled completes.

    ``margins``: {variable (safe name): {code number: population count}} raked to, or empty;
    ``trim``: {"lower", "upper", "strict"} absolute bounds, or None; ``overall``: the safe name of
    the overall-satisfaction item."""

    margins: Mapping[str, Mapping[Any, float]]
    trim: Mapping[str, Any] | None
    overall: str | None


def design_spec(
    md: Microdata,
    margins: Mapping[str, Mapping[Any, float]] | None,
    trim: Mapping[str, Any] | None,
    overall: str | None,
    mappings: Mapping[str, Mapping[str, int]] | None = None,
) -> DesignSpec:
    """Margins re-keyed to the numbers of the file (``mappings``: column -> {code: number})."""
    out: dict[str, dict[Any, float]] = {}
    for var, targets in (margins or {}).items():
        number = (mappings or {}).get(var)
        out[md.names.get(var, var)] = {
            (number[str(k)] if number else k): float(v) for k, v in targets.items()
        }
    return DesignSpec(out, trim, md.names.get(overall) if overall else None)


def code_numbers(book: excel.WorkbookInput, md: Microdata, column: str) -> dict[str, int]:
    """{text code: number} as used in the files for ``column`` (read back from the labels)."""
    data = excel.profile_data_table(book)
    name = md.names[column]
    pairs = pd.DataFrame({"code": data[column].astype(object), "num": md.frame[name]}).dropna()
    return {str(c): int(n) for c, n in pairs.drop_duplicates().itertuples(index=False)}


def _r_value(v: Any) -> str:
    return repr(float(v)) if not isinstance(v, str) else '"' + v.replace('"', '\\"') + '"'


def r_script(spec: DesignSpec, data_file: str = "data.sav") -> str:
    """An R script that declares the design and prints the overall score with its SE."""
    lines = [
        "# Design of the sampled completes, as the tool weights them (R package 'survey').",
        "# Ontwerp van de volledige antwoorden uit de steekproef, zoals de tool ze weegt.",
        "library(survey)",
        'options(survey.lonely.psu = "adjust")',
    ]
    if data_file.endswith((".sav", ".dta")):
        reader = "read_sav" if data_file.endswith(".sav") else "read_dta"
        # n.v.t. becomes NA; value labels are dropped so the codes stay numbers.
        lines += [
            "library(haven)",
            f'd <- as.data.frame(zap_labels(zap_missing({reader}("{data_file}"))))',
        ]
    elif data_file.endswith(".parquet"):
        lines += ["library(arrow)", f'd <- as.data.frame(read_parquet("{data_file}"))']
    else:
        lines += [f'd <- read.csv2("{data_file}", fileEncoding = "UTF-8-BOM")']
    lines += [
        "d <- d[!is.na(d$weight_nr), ]",
        "des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = ~weight_nr, data = d)",
    ]
    if spec.margins:
        formulas = ", ".join(f"~{v}" for v in spec.margins)
        tables = []
        for v, targets in spec.margins.items():
            levels = ", ".join(_r_value(k) for k in targets)
            freqs = ", ".join(repr(float(x)) for x in targets.values())
            tables.append(f"data.frame({v} = c({levels}), Freq = c({freqs}))")
        lines.append(
            f"des <- rake(des, list({formulas}), list({', '.join(tables)}),"
            " control = list(maxit = 100, epsilon = 1e-10))"
        )
    if spec.trim:
        lo = spec.trim.get("lower")
        hi = spec.trim.get("upper")
        lines.append(
            f"des <- trimWeights(des, lower = {'-Inf' if lo is None else repr(float(lo))}, "
            f"upper = {'Inf' if hi is None else repr(float(hi))}, "
            f"strict = {'TRUE' if spec.trim.get('strict') else 'FALSE'})"
        )
    if spec.overall:
        lines.append(f"svymean(~{spec.overall}, des, na.rm = TRUE)")
    return "\n".join(lines) + "\n"


def spss_syntax(
    spec: DesignSpec, data_file: str = "data.sav", plan_file: str = "ontwerp.csaplan"
) -> str:
    """SPSS syntax: a Complex Samples plan (strata, fpc as population size, final weight)."""
    lines = [
        "* Ontwerp van de volledige antwoorden uit de steekproef / design of the sampled completes.",
        f"GET FILE='{data_file}'.",
        "SELECT IF NOT SYSMIS(weight).",
        f"CSPLAN ANALYSIS /PLAN FILE='{plan_file}'",
        "  /PLANVARS ANALYSISWEIGHT=weight",
        "  /DESIGN STRATA=stratum",
        "  /ESTIMATOR TYPE=EQUAL_WOR",
        "  /POPSIZE VARIABLE=N_h.",
    ]
    if spec.overall:
        lines += [
            f"CSDESCRIPTIVES /PLAN FILE='{plan_file}'",
            f"  /SUMMARY VARIABLES={spec.overall}",
            "  /MEAN",
            "  /STATISTICS SE CIN(95)",
            "  /MISSING SCOPE=ANALYSIS CLASSMISSING=EXCLUDE.",
        ]
    lines.append(
        "* SPSS gebruikt het eindgewicht zonder de kalibratie opnieuw te doen: de standaardfout "
        "kan iets afwijken van die van de tool (R geeft ze exact)."
    )
    lines.append(
        "* SPSS uses the final weight without redoing the calibration: its SE may differ "
        "slightly from the tool's (R reproduces it exactly)."
    )
    return "\n".join(lines) + "\n"


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()
