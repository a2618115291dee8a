"""Indicators computed from the 5W rows, and how small counts leave the organisation.

Every indicator is a sum over 5W rows (`abri.reporting.fivew`), so it is reproducible from
the registry and the imports. People with disabilities are a sensitive group: below
``ABRI_REPORTING_SMALL_COUNT`` (5) and above zero, what is shared outside the organisation
(exports, the situation report) reads "<5".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from abri.reporting.fivew import Activity, age_groups


def small_count(value: int) -> int | str:
    """``value`` as it may leave the organisation: "<5" for 1 to 4, the number otherwise."""
    threshold = settings.ABRI_REPORTING_SMALL_COUNT
    return f"<{threshold}" if 0 < value < threshold else value


@dataclass(frozen=True)
class Indicator:
    key: str
    label_fr: str
    label_en: str
    adm1_code: str
    adm2_code: str
    area_name: str
    value: int
    sensitive: bool = False

    @property
    def shown_outside(self) -> int | str:
        """The value as an export shows it."""
        return small_count(self.value) if self.sensitive else self.value


# key, French, English, sensitive
_DEFINITIONS: list[tuple[str, str, str, bool]] = [
    ("households", "Ménages atteints", "Households reached", False),
    ("people", "Personnes atteintes", "People reached", False),
    ("women_and_girls", "Femmes et filles atteintes", "Women and girls reached", False),
    ("children", "Enfants atteints (0–17)", "Children reached (0–17)", False),
    ("elderly", "Personnes âgées atteintes", "Older people reached", False),
    ("idps", "PDI atteintes", "IDPs reached", False),
    ("with_disabilities", "Personnes handicapées atteintes", "People with disabilities reached", True),
]


def _values(row: Activity) -> dict[str, int]:
    groups = age_groups()
    youngest, oldest = groups[0], groups[-1]
    return {
        "households": row.households,
        "people": row.people,
        "women_and_girls": sum(value for key, value in row.by_sex_and_age.items() if key.startswith("female_")),
        "children": sum(row.by_sex_and_age.get(f"{sex}_{youngest.key}", 0) for sex in ("female", "male")),
        "elderly": sum(row.by_sex_and_age.get(f"{sex}_{oldest.key}", 0) for sex in ("female", "male"))
        if len(groups) > 1
        else 0,
        "idps": row.idps,
        "with_disabilities": row.with_disabilities,
    }


def indicators_by_area(rows: Sequence[Activity]) -> list[Indicator]:
    """Each indicator per cercle (admin 2) of the 5W rows, then for all of them."""
    per_area: dict[tuple[str, str, str], dict[str, int]] = {}
    total = dict.fromkeys((key for key, *_rest in _DEFINITIONS), 0)
    for row in rows:
        area = (row.adm1_code, row.adm2_code, row.adm2_name or row.adm1_name)
        sums = per_area.setdefault(area, dict.fromkeys(total, 0))
        for key, value in _values(row).items():
            sums[key] += value
            total[key] += value
    result: list[Indicator] = []
    for (adm1, adm2, name), sums in sorted(per_area.items()):
        result.extend(
            Indicator(key, french, english, adm1, adm2, name, sums[key], sensitive)
            for key, french, english, sensitive in _DEFINITIONS
        )
    result.extend(
        Indicator(key, french, english, "", "", "Total", total[key], sensitive)
        for key, french, english, sensitive in _DEFINITIONS
    )
    return result


def totals(rows: Sequence[Activity]) -> dict[str, int]:
    """Each indicator summed over ``rows``."""
    total = dict.fromkeys((key for key, *_rest in _DEFINITIONS), 0)
    for row in rows:
        for key, value in _values(row).items():
            total[key] += value
    return total
