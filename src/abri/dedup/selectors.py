"""Reads of the dedup app: the registry as the engine sees it, and the review queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from abri.access import roles
from abri.access.selectors import scope_for
from abri.core.errors import NotFound
from abri.dedup.engine.clusters import component_roots
from abri.dedup.models import CandidateStatus, DeduplicationRun, MatchCandidate, MatchDecision, RunStatus
from abri.registry.models import BirthDatePrecision, Household, HouseholdStatus, Individual

UserLike = User | AnonymousUser

# The registry's columns under the engine's field names (abri.dedup.engine.prepare.KNOWN_FIELDS).
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
    engine compares, one row each (one query);
    members folded by a household merge are left out.

    Phone and identity numbers are compared through their keyed hashes (equal numbers,
    equal hashes); a date known only as a year is given as the year.
    """
    # Members of a merged household were folded into someone else: compared no more.
    individuals = Individual.objects.exclude(household__status=HouseholdStatus.MERGED)
    if after_id:
        individuals = individuals.filter(id__gt=after_id)
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


def _reviewable(user: UserLike) -> Q | None:
    """A filter keeping the pairs whose two households are in the user's scope; None: no right to review."""
    scope = scope_for(user=user)
    if not scope.allows(roles.REVIEW_DUPLICATES):
        return None
    # A person folded into another by a merge is no longer a record to review.
    return (
        scope.q(
            roles.REVIEW_DUPLICATES,
            organisation_field="household_a__organisation",
            area_field="household_a__admin_area",
        )
        & scope.q(
            roles.REVIEW_DUPLICATES,
            organisation_field="household_b__organisation",
            area_field="household_b__admin_area",
        )
        & Q(individual_a__merged_into__isnull=True, individual_b__merged_into__isnull=True)
    )


def match_queue(
    *, user: UserLike, status: str = CandidateStatus.OPEN, limit: int | None = 50
) -> QuerySet[MatchCandidate]:
    """Candidate pairs the user may review, most likely first (both households in their scope); all when no limit."""
    visible = _reviewable(user)
    if visible is None:
        return MatchCandidate.objects.none()
    queue = (
        MatchCandidate.objects.filter(visible, status=status)
        .select_related("household_a__admin_area", "household_b__admin_area")
        .order_by("-match_probability", "id")
    )
    return queue[:limit] if limit is not None else queue


def review_counts(*, user: UserLike) -> dict[str, int]:
    """How many pairs in the user's scope are open, judged the same person, judged different."""
    visible = _reviewable(user)
    counts = dict.fromkeys(CandidateStatus.values, 0)
    if visible is None:
        return counts
    for row in MatchCandidate.objects.filter(visible).values("status").annotate(count=Count("id")).order_by():
        counts[row["status"]] = row["count"]
    return counts


def match_next(*, user: UserLike, after: MatchCandidate) -> MatchCandidate | None:
    """The open pair after ``after`` in the user's queue (most likely first); the top of the queue after the last."""
    queue = match_queue(user=user, limit=None).exclude(pk=after.pk)
    later = queue.filter(
        Q(match_probability__lt=after.match_probability) | Q(match_probability=after.match_probability, id__gt=after.pk)
    ).first()
    return later or queue.first()


def candidates_between(*, user: UserLike, candidate: MatchCandidate) -> list[MatchCandidate]:
    """Every pair (any status) between the two households of ``candidate``, in the user's scope, most likely first."""
    visible = _reviewable(user)
    if visible is None:
        return []
    households = {candidate.household_a_id, candidate.household_b_id}
    return list(
        MatchCandidate.objects.filter(visible, household_a_id__in=households, household_b_id__in=households)
        .select_related("individual_a", "individual_b")
        .order_by("-match_probability", "id")
    )


def candidate_decisions(*, candidates: list[MatchCandidate]) -> list[MatchDecision]:
    """The decisions taken on these pairs, newest first, with who took them."""
    return list(
        MatchDecision.objects.filter(candidate__in=candidates)
        .select_related("decided_by", "candidate__individual_a", "candidate__individual_b")
        .order_by("-created_at", "-id")
    )


@dataclass
class HouseholdCluster:
    """Households linked, directly or through others, by open pairs.

    ``households`` is filled by `clusters_load` for the clusters a page shows.
    """

    household_ids: list[int]
    pairs: int
    best_id: int  # the most likely open pair of the cluster
    best_probability: float
    households: list[Household] = field(default_factory=list)


def match_clusters(*, user: UserLike) -> list[HouseholdCluster]:
    """The households linked by the user's open pairs, grouped (connected components), most likely cluster first.

    One query for the pairs (ids and probabilities only); the households are read per page (`clusters_load`).
    """
    rows = list(
        match_queue(user=user, limit=None).values_list("id", "household_a_id", "household_b_id", "match_probability")
    )
    if not rows:
        return []
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    ends = np.array([(row[1], row[2]) for row in rows], dtype=np.int64)
    probabilities = np.array([row[3] for row in rows], dtype=np.float64)
    households, index = np.unique(ends, return_inverse=True)
    index = index.reshape(ends.shape)
    roots = component_roots(len(households), index[:, 0], index[:, 1])
    pair_roots = roots[index[:, 0]]
    members: dict[int, list[int]] = {}
    for household, root in zip(households.tolist(), roots.tolist(), strict=True):
        members.setdefault(root, []).append(household)
    clusters: dict[int, HouseholdCluster] = {}
    for position in np.lexsort((ids, -probabilities)):  # most likely first, then oldest
        root = int(pair_roots[position])
        cluster = clusters.get(root)
        if cluster is None:
            cluster = clusters[root] = HouseholdCluster(
                household_ids=members[root],
                pairs=0,
                best_id=int(ids[position]),
                best_probability=float(probabilities[position]),
            )
        cluster.pairs += 1
    return list(clusters.values())


def clusters_load(clusters: Sequence[HouseholdCluster]) -> None:
    """Read the households of ``clusters`` (one query), in registration number order."""
    loaded = Household.objects.select_related("admin_area").in_bulk(
        [household for cluster in clusters for household in cluster.household_ids]
    )
    for cluster in clusters:
        cluster.households = sorted(
            (loaded[household] for household in cluster.household_ids), key=lambda h: h.registration_number
        )


def runs_recent(*, limit: int = 10) -> list[DeduplicationRun]:
    """The latest runs over the registry, newest first (counts only, nothing personal)."""
    return list(DeduplicationRun.objects.select_related("started_by").order_by("-created_at", "-id")[:limit])


def run_current() -> DeduplicationRun | None:
    """The run going on now, if any (at most one: see the model's constraint)."""
    return DeduplicationRun.objects.select_related("started_by").filter(status=RunStatus.RUNNING).first()


def access_candidate_for_review(*, user: UserLike, candidate_id: int) -> MatchCandidate:
    """The candidate pair, if the user may review it; `NotFound` otherwise (missing and hidden look alike)."""
    scope = scope_for(user=user)
    candidate = (
        MatchCandidate.objects.select_related("household_a__admin_area", "household_b__admin_area")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None or not all(
        scope.covers(
            roles.REVIEW_DUPLICATES, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
        )
        for household in (candidate.household_a, candidate.household_b)
    ):
        raise NotFound("candidate pair")
    return candidate


def candidate_pairs_between(*, first: int, second: int) -> list[tuple[int, int]]:
    """Open candidate pairs joining households ``first`` and ``second`` (by id), as
    (member of ``first``, member of ``second``), most likely first: suggestions for a merge."""
    candidates = (
        MatchCandidate.objects.filter(
            Q(household_a_id=first, household_b_id=second) | Q(household_a_id=second, household_b_id=first),
            status=CandidateStatus.OPEN,
        )
        .order_by("-match_probability", "id")
        .values_list("individual_a_id", "individual_b_id", "household_a_id")
    )
    return [(a, b) if household_a == first else (b, a) for a, b, household_a in candidates]


def households_in_open_pairs(*, household_ids: Sequence[int] | None = None) -> set[int]:
    """Ids of the households (of ``household_ids`` when given) in a candidate pair still to review (one query)."""
    pairs = MatchCandidate.objects.filter(status=CandidateStatus.OPEN)
    if household_ids is not None:
        ids = list(household_ids)
        pairs = pairs.filter(Q(household_a_id__in=ids) | Q(household_b_id__in=ids))
    found: set[int] = set()
    for first, second in pairs.values_list("household_a_id", "household_b_id"):
        found.add(first)
        found.add(second)
    if household_ids is not None:
        found &= set(household_ids)
    return found
