"""Codes of the synthetic population: the choices of the registry models, as small integers."""

from __future__ import annotations

MAX_SIZE = 30
RELATIONSHIPS = ("head", "spouse", "child", "grandchild", "parent", "sibling", "other_relative", "non_relative")
HEAD, SPOUSE, CHILD, GRANDCHILD, PARENT, SIBLING, OTHER_RELATIVE, NON_RELATIVE = range(8)
MARITAL = ("", "single", "married", "widowed", "divorced", "separated")
BLANK, SINGLE, MARRIED, WIDOWED, DIVORCED, SEPARATED = range(6)
DIFFICULTY = ("", "no_difficulty", "some_difficulty", "a_lot_of_difficulty", "cannot_do_at_all")
WG_SEVERE_WEIGHTS = (0.25, 0.12, 0.35, 0.12, 0.08, 0.08)  # walking and seeing lead, as in surveys
PRECISIONS = ("exact", "year", "estimated_age")
ID_TYPES = ("", "national_id", "birth_certificate", "passport", "consular_card", "voter_card", "other")
CAUSES = ("armed_conflict", "natural_disaster", "other")
PHONE_PREFIXES = ("65", "66", "67", "69", "70", "71", "73", "74", "75", "76", "77", "78", "79", "82", "83", "90", "91")
DAYS_PER_YEAR = 365.2425
