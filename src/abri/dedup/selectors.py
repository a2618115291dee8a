"""Reads of the dedup app: the registry as the engine sees it, and the review queue."""

from __future__ import annotations

import polars as pl
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from abri.access import roles
from abri.access.selectors import scope_for
from abri.core.errors import NotFound
from abri.dedup.models import CandidateStatus, MatchCandidate
from abri.registry.models import BirthDatePrecision, Individual

UserLike = User | AnonymousUser

# The registry's columns under the engine's field names (abri.dedup.prepare.KNOWN_FIELDS).
REGISTRY_FIELDS = {
    "given_name": "given_names",
    "family_name": "family_name",
    "sex": "sex",
    "birth_date": "birth",
    "phone": "phone_hash",
    "id_number": "id_number_hash",
    "location": "admin_area",
    "household_id": "household",
}


def registry_people(*, after_id: int = 0) -> pl.DataFrame:
    """Every individual (or those with an id above ``after_id``) with the household fields the
    engine compares, one row each (one query).

    Phone and identity numbers are compared through their keyed hashes (equal numbers,
    equal hashes); a date known only as a year is given as the year.
    """
    individuals = Individual.objects.filter(id__gt=after_id) if after_id else Individual.objects.all()
    rows = individuals.order_by("id").values_list(
        "id",
        "household_id",
        "given_names",
        "family_name",
        "sex",
        "birth_date",
        "birth_date_precision",
        "id_number_hash",
        "household__admin_area_id",
        "household__phone_hash",
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "id": pl.Int64,
            "household_id": pl.Int64,
            "given_names": pl.String,
            "family_name": pl.String,
            "sex": pl.String,
            "birth_date": pl.Date,
            "precision": pl.String,
            "id_number_hash": pl.String,
            "admin_area": pl.String,
            "phone_hash": pl.String,
        },
        orient="row",
    )
    exact = pl.col("precision") == BirthDatePrecision.EXACT
    return frame.select(
        pl.col("id").cast(pl.String).alias("individual"),
        pl.col("household_id").cast(pl.String).alias("household"),
        "given_names",
        pl.col("family_name").replace("", None),
        pl.col("sex").replace({"female": "F", "male": "M"}),
        pl.when(exact)
        .then(pl.col("birth_date").dt.strftime("%Y-%m-%d"))
        .otherwise(pl.col("birth_date").dt.year().cast(pl.String))
        .alias("birth"),
        pl.col("phone_hash").replace("", None),
        pl.col("id_number_hash").replace("", None),
        "admin_area",
    )


def match_queue(*, user: UserLike, status: str = CandidateStatus.OPEN, limit: int = 50) -> QuerySet[MatchCandidate]:
    """Candidate pairs the user may review, most likely first (both households in their scope)."""
    scope = scope_for(user=user)
    if not scope.allows(roles.REVIEW_DUPLICATES):
        return MatchCandidate.objects.none()
    visible = scope.q(
        roles.REVIEW_DUPLICATES, organisation_field="household_a__organisation", area_field="household_a__admin_area"
    ) & scope.q(
        roles.REVIEW_DUPLICATES, organisation_field="household_b__organisation", area_field="household_b__admin_area"
    )
    return (
        MatchCandidate.objects.filter(visible, status=status)
        .select_related("household_a", "household_b")
        .order_by("-match_probability", "id")[:limit]
    )


def access_candidate_for_review(*, user: UserLike, candidate_id: int) -> MatchCandidate:
    """The candidate pair, if the user may review it; `NotFound` otherwise (missing and hidden look alike)."""
    scope = scope_for(user=user)
    candidate = MatchCandidate.objects.select_related("household_a", "household_b").filter(pk=candidate_id).first()
    if candidate is None or not all(
        scope.covers(
            roles.REVIEW_DUPLICATES, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
        )
        for household in (candidate.household_a, candidate.household_b)
    ):
        raise NotFound("candidate pair")
    return candidate
