"""A synthetic frame of trainees for tests, benchmarks and the demo (no real person in it).

The sizes resemble the Flemish population in training (about 6,000): arts-specialisten
3,600, huisartsen 1,200, algemeen tandartsen 350, tandarts-specialisten 150,
ziekenhuisapothekers 60. Names are invented, addresses are on example.org (RFC 2606), and
everything follows from the seed.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

DEFAULT_SIZES: dict[str, int] = {
    "arts_specialist": 3600,
    "huisarts": 1200,
    "algemeen_tandarts": 350,
    "tandarts_specialist": 150,
    "ziekenhuisapotheker": 60,
}
TRAINING_YEARS: dict[str, tuple[int, int]] = {
    "huisarts": (1, 3),
    "arts_specialist": (1, 6),
    "algemeen_tandarts": (1, 1),
    "tandarts_specialist": (1, 4),
    "ziekenhuisapotheker": (1, 3),
}
UNIVERSITIES = ("KU Leuven", "UGent", "UAntwerpen", "VUB", "UHasselt")
# Share of trainees per university by profession (dentistry is taught at KU Leuven and UGent).
UNIVERSITY_SHARES: dict[str, tuple[float, ...]] = {
    "arts_specialist": (0.36, 0.28, 0.16, 0.14, 0.06),
    "huisarts": (0.34, 0.27, 0.17, 0.12, 0.10),
    "algemeen_tandarts": (0.55, 0.45, 0.0, 0.0, 0.0),
    "tandarts_specialist": (0.55, 0.45, 0.0, 0.0, 0.0),
    "ziekenhuisapotheker": (0.40, 0.35, 0.15, 0.10, 0.0),
}
# Mean number of e-loket submissions in the last 12 months.
ELOKET_USE_MEAN: dict[str, float] = {
    "arts_specialist": 1.6,
    "huisarts": 1.3,
    "algemeen_tandarts": 1.1,
    "tandarts_specialist": 1.2,
    "ziekenhuisapotheker": 1.0,
}
FIRST_NAMES = (
    "Lotte",
    "Emma",
    "Louise",
    "Marie",
    "Elise",
    "Noor",
    "Julie",
    "Hanne",
    "Sarah",
    "Laura",
    "Ines",
    "Fien",
    "Lien",
    "Jana",
    "Amber",
    "Eline",
    "Yasmine",
    "Sofie",
    "Charlotte",
    "Febe",
    "Lucas",
    "Arthur",
    "Louis",
    "Jules",
    "Victor",
    "Thomas",
    "Wout",
    "Pieter",
    "Seppe",
    "Robbe",
    "Jonas",
    "Simon",
    "Milan",
    "Bram",
    "Ruben",
    "Mathias",
    "Youssef",
    "Elias",
    "Stijn",
    "Tom",
)
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Hermans", "Aerts", "Pauwels", "Vermeulen", "Van Damme",
    "Desmet", "Declercq", "Claeys", "Verstraete", "Van den Broeck", "De Clercq", "Lambrecht",
    "Martens", "Vandenberghe", "Coppens", "Smets", "Cools", "Van Dyck", "Michiels", "El Amrani",
    "Verhoeven", "Segers", "Bogaert", "Dewulf", "Lemmens", "Vos", "Wuyts", "Baert", "Stevens",
)  # fmt: skip


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def synthetic_frame(seed: int = 2024, sizes: dict[str, int] | None = None) -> pd.DataFrame:
    """A frame with the required columns plus ``first_name``, ``last_name`` and the auxiliary
    ``eloket_use_12m`` (number of e-loket submissions in the last 12 months).

    ``sizes`` overrides the number of trainees per profession (default ``DEFAULT_SIZES``).
    The same seed always gives the same frame.
    """
    rng = np.random.default_rng(seed)
    sizes = dict(DEFAULT_SIZES if sizes is None else sizes)
    unknown = set(sizes) - set(TRAINING_YEARS)
    if unknown:
        raise ValueError(f"unknown profession(s): {', '.join(sorted(unknown))}")
    professions: list[str] = []
    years: list[int] = []
    universities: list[str] = []
    use: list[int] = []
    for profession, size in sizes.items():
        lo, hi = TRAINING_YEARS[profession]
        professions += [profession] * size
        years += rng.integers(lo, hi + 1, size=size).tolist()
        shares = np.array(UNIVERSITY_SHARES[profession])
        universities += rng.choice(UNIVERSITIES, size=size, p=shares / shares.sum()).tolist()
        use += rng.poisson(ELOKET_USE_MEAN[profession], size=size).tolist()
    n = len(professions)
    order = rng.permutation(n)  # mix the professions, as a real register would
    first = rng.choice(FIRST_NAMES, size=n)
    last = rng.choice(LAST_NAMES, size=n)
    language = rng.choice(["nl", "en"], size=n, p=[0.93, 0.07])
    unit_ids = [f"T{i + 1:05d}" for i in range(n)]
    emails = [
        f"{_ascii_slug(f)}.{_ascii_slug(la)}.{i + 1}@example.org"
        for i, (f, la) in enumerate(zip(first, last, strict=True))
    ]
    frame = pd.DataFrame(
        {
            "unit_id": unit_ids,
            "email": emails,
            "profession": np.array(professions)[order],
            "training_year": np.array(years, dtype="int64")[order],
            "university": np.array(universities)[order],
            "language": language,
            "first_name": first,
            "last_name": last,
            "eloket_use_12m": np.array(use, dtype="int64")[order],
        }
    )
    for col in (
        "unit_id",
        "email",
        "profession",
        "university",
        "language",
        "first_name",
        "last_name",
    ):
        frame[col] = frame[col].astype("str")
    return frame
