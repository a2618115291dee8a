"""The normalisation of `normalise` for one record at a time, in plain Python.

While a clerk types, a polars pipeline costs more to start than the whole check may take;
these functions apply the same tables and the same rewrite rules (`normalise.KEY_RULES`),
and a test holds them equal to the vectorised ones on every name of a synthetic registry.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from functools import lru_cache

from abri.dedup.engine import normalise
from abri.dedup.engine.variants import GLUED_PARTICLES, KNOWN_NAMES, PARTICLES, VARIANTS

_SPECIAL = str.maketrans(normalise.SPECIAL_LETTERS)
_KEY_RULES = [
    (re.compile(pattern), re.sub(r"\$(\d)", r"\\\1", replacement)) for pattern, replacement in normalise.KEY_RULES
]
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_PLACEHOLDER = re.compile(normalise.PLACEHOLDER)
_YEAR = re.compile(r"((?:19|20)[0-9]{2})")


def clean_text(value: str | None) -> str | None:
    """ASCII lower-case words separated by one space; empty text becomes None."""
    if value is None:
        return None
    folded = unicodedata.normalize("NFKD", str(value).translate(_SPECIAL))
    folded = "".join(character for character in folded if not unicodedata.category(character).startswith("M"))
    text = _NOT_WORD.sub(" ", folded.lower()).strip()
    return text or None


def _unglue(word: str) -> str:
    # The last particle of the list wins, as in the vectorised version's nested conditions.
    for particle in reversed(GLUED_PARTICLES):
        if word.startswith(particle) and word[len(particle) :] in KNOWN_NAMES:
            return word[len(particle) :]
    return word


@lru_cache(maxsize=65_536)
def name_tokens(value: str | None) -> tuple[str, ...]:
    """The words of a name, particles dropped, each in its canonical spelling."""
    text = clean_text(value)
    if text is None:
        return ()
    words = [_unglue(word) for word in text.split(" ") if word and word not in PARTICLES]
    return tuple(VARIANTS.get(word, word) for word in words)


def joined_name(tokens: tuple[str, ...]) -> str | None:
    """The words joined and mapped to the canonical spelling."""
    joined = "".join(tokens)
    return VARIANTS.get(joined, joined) or None


@lru_cache(maxsize=65_536)
def phonetic_key(name: str | None) -> str | None:
    """The phonetic key of a canonical name."""
    if name is None:
        return None
    key = name
    for pattern, replacement in _KEY_RULES:
        key = pattern.sub(replacement, key)
    return key or None


def phone_number(value: str | None) -> str | None:
    """Mali's 8 digits, or the digits of another number, or None for junk."""
    if value is None:
        return None
    digits = re.sub(r"[^0-9]", "", re.sub(r"\.0$", "", str(value)))
    if digits.startswith("00223") and len(digits) == 13:
        digits = digits[5:]
    elif digits.startswith("223") and len(digits) == 11:
        digits = digits[3:]
    if len(digits) < 6 or _PLACEHOLDER.search(digits):
        return None
    return digits


def id_number(value: str | None) -> str | None:
    """Letters and digits upper-cased; placeholders None."""
    if value is None:
        return None
    compact = re.sub(r"[^0-9A-Z]", "", str(value).upper())
    if len(compact) < 4 or _PLACEHOLDER.search(compact) or compact in {"NA", "NAN", "NONE", "NEANT", "AUCUN", "ND"}:
        return None
    return compact


def birth_date(value: str | None) -> datetime.date | None:
    """The exact date of birth written in ``value`` (None for a year alone or 1 January, read as a year)."""
    if not value:
        return None
    text = str(value).strip()[:10]
    for layout in normalise.DATE_FORMATS:
        try:
            parsed = datetime.datetime.strptime(text, layout).replace(tzinfo=datetime.UTC).date()
        except ValueError:
            continue
        return None if (parsed.month, parsed.day) == (1, 1) else parsed
    return None


def birth_year(value: str | None, *, age: str | None = None, as_of_year: int) -> int | None:
    """The year in a date or a year, or from an age."""
    if value:
        found = _YEAR.search(str(value))
        if found and 1890 <= int(found.group(1)) <= as_of_year:
            return int(found.group(1))
    if age:
        digits = re.search(r"([0-9]{1,3})", str(age))
        if digits and 0 <= int(digits.group(1)) <= 120:
            return as_of_year - int(digits.group(1))
    return None
