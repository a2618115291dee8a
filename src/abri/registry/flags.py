"""Vulnerability flags, derived from the members: never typed in.

The definitions, which the selection committee reads in the glossary:
- female-headed: the head is a woman;
- widow-headed: the head is a widowed woman;
- elderly head: the head is 60 or older;
- single parent: the head has no spouse in the household, is not married, and has a child under 18;
- member with a disability: someone answered "a lot of difficulty" or "cannot do at all" to a
  Washington Group question;
- child-headed: the head is under 18;
- unaccompanied or separated child: a member under 18 living with other relatives or non-relatives
  rather than a parent;
- large household: 10 members or more;
- pregnant or lactating woman: a member is pregnant or breastfeeding.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

ELDERLY_AGE = 60
ADULT_AGE = 18
LARGE_HOUSEHOLD_SIZE = 10
SEVERE_DIFFICULTY = frozenset({"a_lot_of_difficulty", "cannot_do_at_all"})
WG_FIELDS = ("wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care", "wg_communication")
FLAG_FIELDS = (
    "female_headed",
    "widow_headed",
    "elderly_head",
    "single_parent",
    "member_with_disability",
    "child_headed",
    "unaccompanied_or_separated_child",
    "large_household",
    "pregnant_or_lactating_woman",
)


class MemberLike(Protocol):
    sex: str
    birth_date: date
    relationship: str
    marital_status: str
    pregnancy: str
    wg_seeing: str
    wg_hearing: str
    wg_walking: str
    wg_cognition: str
    wg_self_care: str
    wg_communication: str


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def has_disability(member: MemberLike) -> bool:
    """Any Washington Group answer of "a lot of difficulty" or "cannot do at all"."""
    return any(getattr(member, name) in SEVERE_DIFFICULTY for name in WG_FIELDS)


def household_flags(members: Sequence[MemberLike], *, on: date) -> dict[str, bool]:
    """The flags of a household made of ``members``, ages taken on ``on``."""
    heads = [member for member in members if member.relationship == "head"]
    head = heads[0] if heads else None
    children = [member for member in members if age_on(member.birth_date, on) < ADULT_AGE]
    has_spouse = any(member.relationship == "spouse" for member in members)
    head_age = age_on(head.birth_date, on) if head else None
    return {
        "female_headed": head is not None and head.sex == "female",
        "widow_headed": head is not None and head.sex == "female" and head.marital_status == "widowed",
        "elderly_head": head_age is not None and head_age >= ELDERLY_AGE,
        "single_parent": head is not None
        and not has_spouse
        and head.marital_status != "married"
        and any(child.relationship == "child" for child in children),
        "member_with_disability": any(has_disability(member) for member in members),
        "child_headed": head_age is not None and head_age < ADULT_AGE,
        "unaccompanied_or_separated_child": any(
            child.relationship in {"other_relative", "non_relative"} for child in children
        ),
        "large_household": len(members) >= LARGE_HOUSEHOLD_SIZE,
        "pregnant_or_lactating_woman": any(member.pregnancy in {"pregnant", "lactating"} for member in members),
    }
