"""The synthetic demo frame: deterministic, realistic sizes, and a valid frame."""

from __future__ import annotations

import io

import pandas as pd

from sampling import read_frame, validate_frame, write_xlsx
from sampling.demo import DEFAULT_SIZES, TRAINING_YEARS, synthetic_frame


def test_deterministic_and_seed_dependent():
    pd.testing.assert_frame_equal(synthetic_frame(3), synthetic_frame(3))
    assert not synthetic_frame(3)["university"].equals(synthetic_frame(4)["university"])


def test_sizes_ranges_and_languages():
    frame = synthetic_frame(11)
    assert frame["profession"].value_counts().to_dict() == DEFAULT_SIZES
    for profession, (lo, hi) in TRAINING_YEARS.items():
        years = frame.loc[frame["profession"] == profession, "training_year"]
        assert years.between(lo, hi).all() and years.nunique() == hi - lo + 1
    share_nl = (frame["language"] == "nl").mean()
    assert 0.88 < share_nl < 0.98 and (frame["language"] == "en").any()
    assert frame["email"].str.endswith("@example.org").all() and frame["email"].is_unique
    assert (frame["eloket_use_12m"] >= 0).all()
    dentists = frame[frame["profession"].str.contains("tandarts")]
    assert set(dentists["university"]) <= {"KU Leuven", "UGent"}


def test_the_demo_frame_passes_validation_through_a_real_file():
    frame = synthetic_frame(5, sizes={"huisarts": 40, "ziekenhuisapotheker": 10})
    validate_frame(frame.astype(object))
    buffer = io.BytesIO()
    write_xlsx(frame, buffer)
    imported = read_frame(buffer.getvalue(), filename="demo.xlsx")
    assert imported.n_units == 50 and imported.auxiliary == ("eloket_use_12m",)
    assert imported.data["unit_id"].tolist() == frame["unit_id"].tolist()
