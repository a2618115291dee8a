"""Entitlement tokens: random, short enough to read aloud, with a check character.

A token is nine random characters of Crockford's base32 alphabet (no I, L, O, U: nothing to
mistake for 1 or 0; 45 bits from :mod:`secrets`) and one check character of ISO 7064
MOD 37,36 (python-stdnum), which catches every single mistyped character and every swap of
two neighbours. Check characters that would fall outside Crockford's alphabet are never
issued (the token is drawn again), so a printed token holds only readable characters.
Printed and read in two groups of five: ``7KQ2M-X9D4T``.
"""

from __future__ import annotations

import secrets

from stdnum.iso7064 import mod_37_36

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
BODY_LENGTH = 9
LENGTH = BODY_LENGTH + 1
# What a person may type for a character of the alphabet (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.")


class TokenMalformed(ValueError):
    """The text is not a token: wrong length or characters."""


class TokenMistyped(ValueError):
    """The text has a token's form but its check character does not match: a character is wrong."""


def token_new() -> str:
    """A new token (ten characters, no separator)."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
        check = mod_37_36.calc_check_digit(body)
        if check in ALPHABET:
            return body + check


def token_normalise(text: str) -> str:
    """The token typed or scanned as ``text`` (any case, spaces or dashes, O for 0, I or L for 1).

    Raises TokenMalformed when it cannot be a token, TokenMistyped when its check character fails.
    """
    token = text.upper().translate(_SEPARATORS).translate(_READ_AS)
    if len(token) != LENGTH or any(character not in ALPHABET for character in token):
        raise TokenMalformed(text)
    if not mod_37_36.is_valid(token):
        raise TokenMistyped(text)
    return token


def token_display(token: str) -> str:
    """``7KQ2MX9D4T`` → ``7KQ2M-X9D4T``: how a token is printed and read aloud."""
    return f"{token[:5]}-{token[5:]}"
