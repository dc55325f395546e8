"""Recognising what identifies a person, and characters no input may carry.

A frame brings unit id, e-mail and names (which anonymisation deletes) and *auxiliary*
variables that are kept with the answers. A column that identifies someone directly (a phone
number, the national register number, another e-mail address, a bank account) has no use for
sampling or analysis and would otherwise outlive anonymisation, so frame import refuses it,
by its header and by its content, and says which column and row (data minimisation: it is
better never stored than deleted later).

Pure functions on plain values: no Streamlit, no database.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Control characters (C0 except tab, line feed and carriage return; DEL; C1). PostgreSQL text
# cannot hold NUL at all, and the others are never typed by a person.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_STRICT_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def control_character(text: Any, *, allow_newlines: bool = True) -> str | None:
    """The first control character in `text` as 'U+0000', or None when there is none."""
    if not isinstance(text, str):
        return None
    found = (_CONTROL_RE if allow_newlines else _CONTROL_STRICT_RE).search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def control_message(code: str) -> tuple[str, str]:
    """(nl, en) for a refused control character."""
    return (
        f"bevat een onzichtbaar stuurteken ({code}); verwijder het",
        f"contains an invisible control character ({code}); remove it",
    )


# --- identifying columns ---------------------------------------------------------------------

# Normalised headers (lower case, spaces and hyphens to underscores, accents dropped) of columns
# that identify a person; a header that *contains* one of the stems is refused too.
_EXACT = {
    "tel": "phone",
    "gsm": "phone",
    "rrn": "national_register",
    "insz": "national_register",
    "niss": "national_register",
    "inss": "national_register",
    "ssin": "national_register",
    "bis": "national_register",
    "iban": "iban",
    "bic": "iban",
    "adres": "address",
    "address": "address",
}
_STEMS = {
    "telefoon": "phone",
    "telephone": "phone",
    "phone": "phone",
    "mobiel": "phone",
    "mobile": "phone",
    "gsm_": "phone",
    "_gsm": "phone",
    "rijksregister": "national_register",
    "national_register": "national_register",
    "national_number": "national_register",
    "registre_national": "national_register",
    "insz_": "national_register",
    "bis_nummer": "national_register",
    "iban": "iban",
    "rekeningnummer": "iban",
    "bankrekening": "iban",
    "bank_account": "iban",
    "account_number": "iban",
    "mail": "email",
    "straat": "address",
    "street": "address",
    "woonplaats": "address",
    "huisnummer": "address",
    "geboortedatum": "birth_date",
    "date_of_birth": "birth_date",
    "birth_date": "birth_date",
    "birthdate": "birth_date",
}

KIND_WORDS: dict[str, tuple[str, str]] = {
    "phone": ("telefoonnummers", "phone numbers"),
    "national_register": ("rijksregisternummers", "national register numbers"),
    "email": ("e-mailadressen", "e-mail addresses"),
    "iban": ("bankrekeningnummers", "bank account numbers"),
    "address": ("adressen", "addresses"),
    "birth_date": ("geboortedata", "dates of birth"),
}


def _normalise(header: str) -> str:
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-./]+", "_", text.strip().lower())


def identifying_header(header: Any) -> str | None:
    """The kind of identifier a column header names (see KIND_WORDS), or None."""
    key = _normalise(header)
    if key in _EXACT:
        return _EXACT[key]
    padded = f"_{key}_"
    for stem, kind in _STEMS.items():
        if stem in padded:
            return kind
    return None


_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_RRN = re.compile(r"^(\d{2})[.\s]?(\d{2})[.\s]?(\d{2})[-.\s]?(\d{3})[.\s]?(\d{2})$")
_PHONE_INTL = re.compile(r"^(?:\+|00)\s?\d[\d\s./()-]{6,18}\d$")
_PHONE_BE = re.compile(r"^0[1-9][\d\s./-]{6,12}\d$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}$")


def national_register_ok(text: str) -> bool:
    """A Belgian national register (or BIS) number with a valid check: 97 - (first nine digits
    mod 97), with a 2 in front of them for people born from 2000 on."""
    m = _RRN.match(text.strip())
    if m is None:
        return False
    digits = "".join(m.groups())
    body, check = int(digits[:9]), int(digits[9:])
    return check in (97 - body % 97, 97 - int("2" + digits[:9]) % 97)


def _iban_ok(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not _IBAN.match(text.strip().upper()):
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _phone(text: str) -> bool:
    t = text.strip()
    if not (_PHONE_INTL.match(t) or _PHONE_BE.match(t)):
        return False
    digits = sum(ch.isdigit() for ch in t)
    return 9 <= digits <= 15


def identifying_value(value: Any) -> str | None:
    """The kind of identifier a cell holds (national register number with its check, phone
    number, e-mail address, IBAN with its check), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return None
        text = str(int(value))
        # Excel keeps an 11-digit register number as a number (a leading 0 is lost then).
        return "national_register" if national_register_ok(text.zfill(11)) else None
    text = str(value).strip()
    if not text or len(text) > 400:
        return None
    if _EMAIL_IN_TEXT.search(text):
        return "email"
    if national_register_ok(text):
        return "national_register"
    if _iban_ok(text):
        return "iban"
    if _phone(text):
        return "phone"
    return None


def identifying_message(kind: str, how: str) -> str:
    """The frame problem for a column refused as identifying (Dutch, English)."""
    nl, en = KIND_WORDS[kind]
    why_nl = "de kolomnaam wijst op" if how == "header" else "de kolom bevat"
    why_en = "its header suggests" if how == "header" else "it holds"
    return (
        f"{why_nl} {nl}: zulke gegevens zijn niet nodig voor steekproef of analyse en zouden de "
        f"anonimisering overleven; verwijder de kolom uit het bestand ({why_en} {en}: not needed "
        "for sampling or analysis, and they would outlive anonymisation; delete the column "
        "from the file)"
    )
