"""Area look-ups by P-code or name, descendants by P-code prefix."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from abri.core.errors import NotFound
from abri.geo.models import AdminArea
from abri.geo.selectors import admin_area_get, admin_areas_children, admin_areas_descendants, admin_areas_matching
from abri.geo.services import admin_areas_load


@pytest.fixture
def mali(db: None) -> None:
    admin_areas_load(actor=None)


def codes(areas: Iterable[AdminArea]) -> list[str]:
    return [area.pcode for area in areas]


def test_lookup_by_name_ignores_accents_and_case_and_spans_levels(mali: None) -> None:
    assert codes(admin_areas_matching(text="ménaka")) == ["ML10", "ML1001"]
    assert codes(admin_areas_matching(text="MENAKA", level=2)) == ["ML1001"]
    assert codes(admin_areas_matching(text="Inekar")) == ["ML1003"]
    assert codes(admin_areas_matching(text=" ml0501 ")) == ["ML0501"]
    assert codes(admin_areas_matching(text="Timbuktu")) == ["ML06", "ML0605"]
    assert codes(admin_areas_matching(text="Kayes", within="ML01")) == ["ML01", "ML0103"]
    assert admin_areas_matching(text="Niamey") == []


def test_descendants_follow_the_pcode_prefix(mali: None) -> None:
    assert codes(admin_areas_descendants(pcode="ML10", level=2)) == ["ML1001", "ML1002", "ML1003", "ML1004"]
    assert admin_areas_descendants(pcode="ML10").count() == 8
    assert admin_areas_descendants(pcode="ML0501").count() == 21
    assert codes(admin_areas_descendants(pcode="ML1002", include_self=True)) == ["ML1002", "ML100201"]
    assert codes(admin_areas_children(pcode=None))[:2] == ["ML01", "ML02"]
    assert codes(admin_areas_children(pcode="ML10")) == ["ML1001", "ML1002", "ML1003", "ML1004"]


def test_get_unknown_pcode_is_not_found(mali: None) -> None:
    assert admin_area_get(pcode="ml10").name_fr == "Ménaka"
    with pytest.raises(NotFound):
        admin_area_get(pcode="ML99")
