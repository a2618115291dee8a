"""The reporting part of the reference scenario: how the Ménaka NFI programme is reported.

The 5W rows themselves are not loaded: the Ménaka distribution's row is derived from its
handovers. Idempotent: a profile that exists is kept.
"""

from __future__ import annotations

from abri.assistance.models import Programme
from abri.reporting.models import SHELTER_NFI, Modality, ReportingProfile

MENAKA_PROGRAMME = "MLI-MNK-NFI-2022"


def reporting_demo_load() -> dict[str, tuple[int, int]]:
    """The Ménaka programme's reporting profile (cluster, activity, modality); returns (created, kept)."""
    programme = Programme.objects.filter(code=MENAKA_PROGRAMME).first()
    if programme is None:
        return {"reporting profiles": (0, 0)}
    _profile, created = ReportingProfile.objects.get_or_create(
        programme=programme,
        defaults={"cluster": SHELTER_NFI, "activity": "Distribution de kits ANA", "modality": Modality.IN_KIND},
    )
    return {"reporting profiles": (int(created), int(not created))}
