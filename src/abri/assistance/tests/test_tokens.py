"""Tokens: readable alphabet, a check character that catches one mistyped character or a swap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abri.assistance.tokens import (
    ALPHABET,
    LENGTH,
    TokenMalformed,
    TokenMistyped,
    token_display,
    token_new,
    token_normalise,
)


def test_a_new_token_is_ten_readable_characters_and_reads_back_however_it_is_typed():
    token = token_new()
    assert len(token) == LENGTH == 10
    assert set(token) <= set(ALPHABET)
    assert not set(token) & set("ILOU")
    printed = token_display(token)
    assert printed[5] == "-"
    assert token_normalise(printed) == token
    assert token_normalise(" " + printed.lower().replace("-", " ") + " ") == token


def test_o_and_i_are_read_as_zero_and_one():
    token = "0" * 9
    token += next(c for c in ALPHABET if _valid(token + c))
    assert token_normalise(token.replace("0", "O").replace("1", "I")) == token


def _valid(text: str) -> bool:
    try:
        token_normalise(text)
    except ValueError:
        return False
    return True


@given(st.integers(min_value=0, max_value=LENGTH - 1), st.sampled_from(ALPHABET), st.randoms())
def test_every_single_mistyped_character_is_caught(position, character, random):
    token = token_new()
    typed = token[:position] + character + token[position + 1 :]
    if typed != token:
        with pytest.raises(TokenMistyped):
            token_normalise(typed)


@given(st.integers(min_value=0, max_value=LENGTH - 2), st.randoms())
def test_every_swap_of_two_neighbours_is_caught(position, random):
    token = token_new()
    swapped = token[:position] + token[position + 1] + token[position] + token[position + 2 :]
    if swapped != token:
        with pytest.raises(TokenMistyped):
            token_normalise(swapped)


@pytest.mark.parametrize("text", ["", "ABC", "7KQ2M-X9D4T-1", "7KQ2M-X9D4U", "ÉKQ2M-X9D4T"])
def test_what_cannot_be_a_token_is_malformed(text):
    with pytest.raises(TokenMalformed):
        token_normalise(text)
