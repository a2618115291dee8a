"""Normalisation of names, phones and identity numbers, shared by the services and imports."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGIT = re.compile(r"\D+")
MALI_COUNTRY_CODE = "223"
MALI_PHONE_DIGITS = 8


def fold(text: str) -> str:
    """Lower case, accents removed, every run of punctuation or space made one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", without_marks).strip()


def search_name(given_names: str, family_name: str) -> str:
    """The folded full name a search compares against (``aissata ag mohamed``)."""
    return fold(f"{given_names} {family_name}")


def phone_normalise(raw: str) -> str:
    """Mali's 8-digit national number from any usual writing (+223 76 12 34 56, 0022376123456).

    Returns "" for empty input; raises ValueError when the digits cannot be a Mali number.
    """
    digits = _NON_DIGIT.sub("", raw or "")
    if not digits:
        return ""
    if digits.startswith("00" + MALI_COUNTRY_CODE):
        digits = digits[2 + len(MALI_COUNTRY_CODE) :]
    elif digits.startswith(MALI_COUNTRY_CODE) and len(digits) == len(MALI_COUNTRY_CODE) + MALI_PHONE_DIGITS:
        digits = digits[len(MALI_COUNTRY_CODE) :]
    if len(digits) != MALI_PHONE_DIGITS:
        raise ValueError("a Mali phone number has 8 digits (optionally after +223)")
    return digits


def id_number_normalise(raw: str) -> str:
    """Upper-case letters and digits only, so `12 345-ab` and `12345AB` are the same number."""
    return re.sub(r"[^0-9A-Z]", "", (raw or "").upper())
