"""Normalisation of names, phones, identity numbers, dates and places before matching.

Everything here is a polars expression, so a million rows are normalised in one vectorised
pass; the small scalar helpers at the end run the same expressions on one value (tests,
the live check at registration) so there is only one implementation.

Names: accents and Bambara letters (ɛ, ɔ, ɲ, ŋ) folded to ASCII, hyphens and apostrophes
to spaces, particles (ag, walet, ould, ben, bint…) dropped, known spellings mapped to one
canonical spelling (Mouhamed → mohamed, Mayga → maiga), the parts of a compound name joined
(Abdoul Karim → abdoulkarim). The phonetic key then folds what transcriptions disagree on.
"""

from __future__ import annotations

import polars as pl

from abri.dedup.engine.variants import GLUED_PARTICLES, KNOWN_NAMES, PARTICLES, VARIANTS

# Letters NFKD does not decompose: Bambara and Fulfulde letters, ligatures.
SPECIAL_LETTERS: dict[str, str] = {
    "ɛ": "e",
    "Ɛ": "e",
    "ɔ": "o",
    "Ɔ": "o",
    "ɲ": "ny",
    "Ɲ": "ny",
    "ŋ": "ng",
    "Ŋ": "ng",
    "ɓ": "b",
    "ɗ": "d",
    "ƴ": "y",
    "œ": "oe",
    "Œ": "oe",
    "æ": "ae",
    "Æ": "ae",
    "ß": "ss",
    "ø": "o",
    "Ø": "o",
    "đ": "d",
    "Đ": "d",
    "ı": "i",
    "ł": "l",
}

# The phonetic key, as ordered regular-expression rewrites (Rust regex: no look-around,
# no back-references). Each rule folds one thing French, English and Arabic transcriptions
# of the same Sahelian name disagree on.
KEY_RULES: tuple[tuple[str, str], ...] = (
    (r"[^a-z]", ""),
    (r"^h", ""),  # Hawa / Awa, Hamadou / Amadou
    (r"h$", ""),  # Abdallah / Abdalla
    (r"[cs]h", "s"),  # Aïcha / Aisha, Chérif / Shérif
    (r"ph", "f"),
    (r"([kgtdb])h", "$1"),  # Khadija / Kadija, Thiam / Tiam
    (r"dj", "j"),  # Djibril / Jibril
    (r"dy", "j"),
    (r"di([aeou])", "j$1"),  # Diarra / Jarra, Diallo / Jallo
    (r"qu", "k"),
    (r"q", "k"),
    (r"ck", "k"),
    (r"c([eiy])", "s$1"),  # Cissé / Sissé
    (r"c", "k"),  # Coulibaly / Koulibaly
    (r"x", "ks"),
    (r"z", "s"),  # Zeinabou / Seynabou
    (r"gu([eiy])", "g$1"),  # Guindo / Gindo
    (r"ou", "u"),  # Moussa / Musa
    (r"w", "u"),  # Walet / Oualet
    (r"y", "i"),  # Mayga / Maiga
    *((rf"{letter}{{2,}}", letter) for letter in "bdfgjklmnprstv"),  # Diallo / Dialo
    (r"^[aeiu]", "0"),  # a name that starts with a vowel keeps that fact (Oumar, Umar, Omar)
    (r"[aeiou]", ""),
)


def clean_text(expr: pl.Expr) -> pl.Expr:
    """ASCII lower-case words separated by one space; empty text becomes null."""
    folded = (
        expr.cast(pl.String)
        .str.replace_many(list(SPECIAL_LETTERS), list(SPECIAL_LETTERS.values()))
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )
    return pl.when(folded.str.len_chars() > 0).then(folded).otherwise(None)


def _unglue(element: pl.Expr) -> pl.Expr:
    """Agmohamed → mohamed: a particle glued to a name this table knows."""
    result = element
    for particle in GLUED_PARTICLES:
        rest = element.str.slice(len(particle))
        result = pl.when(element.str.starts_with(particle) & rest.is_in(list(KNOWN_NAMES))).then(rest).otherwise(result)
    return result


def name_tokens(expr: pl.Expr) -> pl.Expr:
    """The words of a name, particles dropped and each word in its canonical spelling."""
    element = pl.element()
    return (
        clean_text(expr)
        .str.split(" ")
        .list.eval(_unglue(element).filter(~element.is_in(list(PARTICLES)) & (element.str.len_chars() > 0)))
        .list.eval(element.replace(VARIANTS))
    )


def joined_name(tokens: pl.Expr) -> pl.Expr:
    """The words of a name joined (Abdoul Karim → abdoulkarim) and mapped to the canonical spelling."""
    joined = tokens.list.join("")
    canonical = joined.replace(VARIANTS)
    return pl.when(canonical.str.len_chars() > 0).then(canonical).otherwise(None)


def phonetic_key(expr: pl.Expr) -> pl.Expr:
    """A key that spellings of the same Sahelian name share (Coulibaly, Koulibali → klbl)."""
    key = expr
    for pattern, replacement in KEY_RULES:
        key = key.str.replace_all(pattern, replacement)
    return pl.when(key.str.len_chars() > 0).then(key).otherwise(None)


# Numbers written for "no phone" or "no document".
PLACEHOLDER = r"^(0+|1+|9+|12345678|01234567|123456789)$"


def phone_number(expr: pl.Expr) -> pl.Expr:
    """Mali's 8 digits (+223, 00223 and separators dropped); other lengths kept as digits, junk null."""
    digits = expr.cast(pl.String).str.replace_all(r"\.0$", "").str.replace_all(r"[^0-9]", "")
    national = (
        pl.when(digits.str.starts_with("00223") & (digits.str.len_chars() == 13))
        .then(digits.str.slice(5))
        .when(digits.str.starts_with("223") & (digits.str.len_chars() == 11))
        .then(digits.str.slice(3))
        .otherwise(digits)
    )
    return pl.when((national.str.len_chars() >= 6) & ~national.str.contains(PLACEHOLDER)).then(national).otherwise(None)


def id_number(expr: pl.Expr) -> pl.Expr:
    """Identity document number: letters and digits upper-cased, separators dropped, placeholders null."""
    compact = expr.cast(pl.String).str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")
    junk = compact.str.contains(PLACEHOLDER) | compact.is_in(["NA", "NAN", "NONE", "NEANT", "AUCUN", "ND"])
    return pl.when((compact.str.len_chars() >= 4) & ~junk).then(compact).otherwise(None)


_PCODE = r"^[A-Z]{2}[0-9]{2,}$"


def location_levels(expr: pl.Expr) -> list[pl.Expr]:
    """Three columns loc1, loc2, loc3: region, cercle, commune P-codes (ML10, ML1001, ML100101).

    A place written as a name rather than a P-code has no hierarchy: it lands in loc3 only,
    so two records in "Ménaka" agree at the finest level and nowhere else.
    """
    code = expr.cast(pl.String).str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")
    is_pcode = code.str.contains(_PCODE)
    name = clean_text(expr)
    return [
        pl.when(is_pcode).then(code.str.slice(0, 4)).otherwise(None).alias("loc1"),
        pl.when(is_pcode & (code.str.len_chars() >= 6)).then(code.str.slice(0, 6)).otherwise(None).alias("loc2"),
        pl.when(is_pcode & (code.str.len_chars() >= 8))
        .then(code)
        .when(~is_pcode)
        .then(name)
        .otherwise(None)
        .alias("loc3"),
    ]


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y", "%Y%m%d")


def birth_date(expr: pl.Expr) -> pl.Expr:
    """A date of birth written in any of the usual forms (2 Dec 1980 as 1980-12-02, 02/12/1980…)."""
    text = expr.cast(pl.String).str.strip_chars().str.slice(0, 10)
    return pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])


def year_in_text(expr: pl.Expr) -> pl.Expr:
    """A four-digit year 1900–2099 found in a text ("vers 1980", "1980"), else null."""
    return expr.cast(pl.String).str.extract(r"((?:19|20)[0-9]{2})", 1).cast(pl.Int32, strict=False)


def _one_frame(value: str | None, transform: pl.Expr) -> object:
    frame = pl.DataFrame({"value": pl.Series([value], dtype=pl.String)})
    return frame.select(transform.alias("v")).item(0, "v")


def clean(value: str | None) -> str | None:
    """`clean_text` on one value."""
    result = _one_frame(value, clean_text(pl.col("value")))
    return None if result is None else str(result)


def tokens(value: str | None) -> list[str]:
    """`name_tokens` on one value."""
    result = _one_frame(value, name_tokens(pl.col("value")))
    return [] if result is None else [str(token) for token in result]  # type: ignore[attr-defined]  # a list column's cell is a Series, typed as object


def canonical_name(value: str | None) -> str | None:
    """`joined_name` of `name_tokens` on one value: the name as the engine compares it."""
    result = _one_frame(value, joined_name(name_tokens(pl.col("value"))))
    return None if result is None else str(result)


def key(value: str | None) -> str | None:
    """The phonetic key of a name as the engine blocks on it."""
    result = _one_frame(value, phonetic_key(joined_name(name_tokens(pl.col("value")))))
    return None if result is None else str(result)


def phone(value: str | None) -> str | None:
    """`phone_number` on one value."""
    result = _one_frame(value, phone_number(pl.col("value")))
    return None if result is None else str(result)
