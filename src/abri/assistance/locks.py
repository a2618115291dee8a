"""The row locks of assistance. Only closing a distribution locks: its kit count, so that the
handovers recorded meanwhile wait for it and then find no kit left (a handover itself takes its
kit with a conditional update and locks nothing else)."""

from __future__ import annotations

from abri.assistance.models import Distribution, DistributionKits


def kits_lock(distribution: Distribution) -> DistributionKits:
    """Lock the kit count of ``distribution`` (inside a transaction) and return it as now stored."""
    return DistributionKits.objects.select_for_update().get(distribution=distribution)
