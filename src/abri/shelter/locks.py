"""The row locks of shelter, always taken in one order: sites by id, then shelter units by id.

A relocation locks both its sites before it counts who lives at the destination, so that two
relocations into one site queue and the second counts the first's households (the capacity
holds). An allocation or a status move locks its unit, so that two officers acting on one unit
at once queue; the partial unique indexes on allocations stand behind it.
"""

from __future__ import annotations

from abri.geo.models import Site
from abri.shelter.models import ShelterUnit


def sites_lock(*pks: int) -> dict[int, Site]:
    """Lock the sites (inside a transaction) in the order of their ids; id → site as now stored."""
    return {site.pk: site for site in Site.objects.select_for_update().filter(pk__in=sorted(set(pks))).order_by("pk")}


def unit_lock(unit: ShelterUnit) -> ShelterUnit:
    """Lock one shelter unit (inside a transaction) and return it as now stored."""
    return ShelterUnit.objects.select_for_update().get(pk=unit.pk)
