"""Normalisation of names, phones and identity numbers, shared by the services and imports."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy

PHONE_REFUSED = gettext_lazy(
    "This is not a phone number: write it with its country code (+223 76 12 34 56), "
    "or as it is dialled inside the country."
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents removed, every run of punctuation or space made one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", without_marks).strip()


def search_name(given_names: str, family_name: str) -> str:
    """The folded full name a search compares against (``aissata ag mohamed``)."""
    return fold(f"{given_names} {family_name}")


def phone_normalise(raw: str, *, region: str | None = None) -> str:
    """A phone in international form (E.164: ``+22376123456``) from any usual writing.

    A number written without its country code (``76 12 34 56``, ``0022376123456``) is taken as one
    of ``region`` (``ABRI_PHONE_REGION``, Mali by default); ``+33 6 12 34 56 78`` stays French.
    Returns "" for empty input; raises ValueError when the digits cannot be a phone number.
    """
    if not (raw or "").strip():
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.ABRI_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValueError("not a phone number") from error
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a phone number: too few or too many digits for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_shown(stored: str) -> str:
    """A stored phone as a person reads it (``+223 76 12 34 56``); what cannot be parsed, as stored."""
    try:
        number = phonenumbers.parse(stored, None if stored.startswith("+") else settings.ABRI_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def id_number_normalise(raw: str) -> str:
    """Upper-case letters and digits only, so `12 345-ab` and `12345AB` are the same number."""
    return re.sub(r"[^0-9A-Z]", "", (raw or "").upper())
