"""Writes of the dedup app: running the engine over the registry, recording reviewers' decisions,
and keeping candidate pairs in step with household merges."""

from __future__ import annotations

import datetime

import polars as pl
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.access import roles
from abri.access.selectors import scope_for
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.dedup.engine import linkage
from abri.dedup.engine.linkage import Progress
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.dedup.flows import CANDIDATE, REGISTRY_RUN
from abri.dedup.merges.services import MergeContext, MergeParticipant
from abri.dedup.models import (
    CandidateStatus,
    Decision,
    DeduplicationRun,
    MatchCandidate,
    MatchDecision,
    RunStatus,
)
from abri.dedup.selectors import REGISTRY_FIELDS, registry_people

Actor = User | AnonymousUser | None

# What the fingerprint of a record covers: the prepared values the engine compares.
_FINGERPRINTED = ["given", "family", "sex", "birth_year", "birth_date", "phone", "id_number", "loc3", "household"]


def _silent(stage: str, done: int, total: int) -> None:
    """Progress sink that ignores the progress."""


def _fingerprints(records: pl.DataFrame) -> pl.DataFrame:
    """record_id → a hash of the values compared; a change to any of them changes it."""
    return records.select(
        "record_id",
        pl.struct(_FINGERPRINTED).hash(seed=7).cast(pl.String).alias("fingerprint"),
    )


# A run still marked running this long after its last sign of life was abandoned (its worker stopped).
STALE_AFTER = datetime.timedelta(hours=6)


def registry_run_start(*, actor: Actor, threshold: float = 0.5) -> DeduplicationRun:
    """Record a new run over the registry, waiting for its job; refused while another is running.

    Whoever holds the right to review duplicates somewhere may start one: a run proposes pairs
    and changes no household, and each reviewer then sees only the pairs in their scope.
    """
    if not scope_for(user=actor).allows(roles.REVIEW_DUPLICATES):
        raise PermissionDenied(_("Your role does not allow looking for duplicates."))
    return _run_create(actor=actor, threshold=threshold)


def registry_run_abandon(*, actor: Actor, run: DeduplicationRun) -> None:
    """Mark a run that will not go on (its job could not be queued) as failed, so another may start."""
    with transaction.atomic():
        stopped = REGISTRY_RUN.move(
            DeduplicationRun.objects.filter(pk=run.pk), RunStatus.FAILED, stage="abandoned", finished_at=timezone.now()
        )
        if stopped:  # a job that ran and failed has said so already
            audit_record(actor=actor, action="dedup.run_abandoned", target=run)


def _run_create(*, actor: Actor, threshold: float) -> DeduplicationRun:
    if not 0.0 < threshold < 1.0:
        raise ValidationFailed({"threshold": [_("The threshold is a probability between 0 and 1.")]})
    try:
        with transaction.atomic():
            stale = timezone.now() - STALE_AFTER
            abandoned = DeduplicationRun.objects.filter(status=RunStatus.RUNNING, updated_at__lt=stale)
            for run in abandoned:
                audit_record(actor=actor, action="dedup.run_abandoned", target=run)
            REGISTRY_RUN.move(abandoned, RunStatus.FAILED, stage="abandoned", finished_at=timezone.now())
            run = DeduplicationRun.objects.create(started_by=_user(actor), threshold=threshold, stage="queued")
            audit_record(actor=actor, action="dedup.run_started", target=run, changes={"threshold": threshold})
    except IntegrityError as error:  # dedup_one_run_at_a_time
        raise ValidationFailed({"__all__": [_("A search for duplicates is already running.")]}) from error
    return run


def registry_deduplicate(
    *,
    actor: Actor,
    threshold: float = 0.5,
    progress: Progress = _silent,
    run: DeduplicationRun | None = None,
) -> DeduplicationRun:
    """Run the engine over the whole registry and propose the pairs above ``threshold`` for review.

    ``run``: one recorded by `registry_run_start` (its threshold applies); a new one otherwise.
    A pair already judged "different" is not proposed again unless what was compared has
    changed since; an open pair is refreshed; a pair judged "same" is left as decided.
    """
    if run is None:
        run = _run_create(actor=actor, threshold=threshold)
    threshold = run.threshold

    def staged(stage: str, done: int, total: int) -> None:
        if stage != "em":
            DeduplicationRun.objects.filter(pk=run.pk).update(stage=stage, updated_at=timezone.now())
        progress(stage, done, total)

    try:
        staged("reading", 0, 0)
        people = registry_people()
        records = prepare(
            people,
            FieldMap(fields=REGISTRY_FIELDS, id_column="individual"),
            as_of_year=timezone.now().year,
        )
        fingerprints = _fingerprints(records)
        result = linkage.deduplicate(records, settings=linkage.Settings(threshold=threshold), progress=staged)
        staged("storing", 0, 0)
        counts = _store_candidates(run, result, fingerprints, people)
    except Exception:
        with transaction.atomic():
            if REGISTRY_RUN.move(
                DeduplicationRun.objects.filter(pk=run.pk), RunStatus.FAILED, finished_at=timezone.now()
            ):
                audit_record(actor=actor, action="dedup.run_failed", target=run)
        raise
    with transaction.atomic():
        # A run given up as stale meanwhile stays failed; the pairs it found are kept all the same.
        finished = REGISTRY_RUN.move(
            DeduplicationRun.objects.filter(pk=run.pk),
            RunStatus.DONE,
            finished_at=timezone.now(),
            individuals=len(people),
            candidate_pairs=result.candidate_count,
            **counts,
        )
        run.refresh_from_db()
        if finished:
            audit_record(actor=actor, action="dedup.run_finished", target=run, changes=counts)
    return run


def _store_candidates(
    run: DeduplicationRun, result: linkage.Result, fingerprints: pl.DataFrame, people: pl.DataFrame
) -> dict[str, int]:
    """Insert new pairs, refresh open ones, reopen "different" ones whose data changed; return the counts."""
    households = people.select(pl.col("individual").alias("record_id"), "household")
    weights = [c.name for c in result.comparisons]
    pairs = (
        result.pairs.select(
            pl.min_horizontal(pl.col("id_a").cast(pl.Int64), pl.col("id_b").cast(pl.Int64)).alias("a"),
            pl.max_horizontal(pl.col("id_a").cast(pl.Int64), pl.col("id_b").cast(pl.Int64)).alias("b"),
            "match_probability",
            "match_weight",
            *[pl.col(f"{name}_weight") for name in weights],
            *[pl.col(name) for name in weights],
        )
        .join(_keyed(fingerprints, households, "a"), on="a")
        .join(_keyed(fingerprints, households, "b"), on="b")
        .with_columns(pl.concat_str("fingerprint_a", "fingerprint_b", separator=":").str.slice(0, 64).alias("fp"))
    )
    labels = {c.name: {str(level.label): index for index, level in enumerate(c.levels)} for c in result.comparisons}
    existing = {
        (candidate.individual_a_id, candidate.individual_b_id): candidate
        for candidate in MatchCandidate.objects.filter(individual_a_id__in=pairs["a"].unique().to_list()).only(
            "id", "individual_a_id", "individual_b_id", "status", "fingerprint"
        )
    }
    remembered = 0
    create: list[MatchCandidate] = []
    update: list[MatchCandidate] = []
    for row in pairs.iter_rows(named=True):
        evidence = {
            name: {"level": labels[name].get(row[name]), "weight": row[f"{name}_weight"]}
            for name in weights
            if row[name] is not None
        }
        values = {
            "match_probability": min(max(row["match_probability"], 0.0), 1.0),
            "match_weight": row["match_weight"],
            "evidence": evidence,
            "fingerprint": row["fp"],
            "run": run,
        }
        candidate = existing.get((row["a"], row["b"]))
        if candidate is None:
            create.append(
                MatchCandidate(
                    individual_a_id=row["a"],
                    individual_b_id=row["b"],
                    household_a_id=int(row["household_a"]),
                    household_b_id=int(row["household_b"]),
                    **values,
                )
            )
        elif candidate.status == CandidateStatus.DIFFERENT and candidate.fingerprint == row["fp"]:
            remembered += 1  # judged different, nothing compared has changed: not proposed again
        elif candidate.status != CandidateStatus.SAME:
            for field, value in values.items():
                setattr(candidate, field, value)
            candidate.status = CandidateStatus.OPEN
            update.append(candidate)
    with transaction.atomic():
        MatchCandidate.objects.bulk_create(create, batch_size=2000)
        MatchCandidate.objects.bulk_update(
            update, ["match_probability", "match_weight", "evidence", "fingerprint", "run", "status"], batch_size=2000
        )
    return {"pairs_found": len(pairs), "pairs_new": len(create), "pairs_remembered": remembered}


def _keyed(fingerprints: pl.DataFrame, households: pl.DataFrame, side: str) -> pl.DataFrame:
    return fingerprints.join(households, on="record_id").select(
        pl.col("record_id").cast(pl.Int64).alias(side),
        pl.col("fingerprint").alias(f"fingerprint_{side}"),
        pl.col("household").alias(f"household_{side}"),
    )


def match_decide(*, actor: Actor, candidate: MatchCandidate, decision: str, reason: str) -> MatchDecision:
    """Record a reviewer's decision on a pair ("same" or "different") with the reason."""
    if decision not in Decision.values:
        raise ValidationFailed({"decision": [_("Choose “same” or “different”.")]})
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why: the reason is kept with the decision.")]})
    scope = scope_for(user=actor)
    for household in (candidate.household_a, candidate.household_b):
        if not scope.covers(
            roles.REVIEW_DUPLICATES, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
        ):
            raise PermissionDenied(_("You may not review duplicates of household %s.") % household.registration_number)
    with transaction.atomic():
        locked = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
        if locked.decided_by_merge_id is not None:
            raise ValidationFailed(
                {
                    "decision": [
                        _(
                            "These two people were judged the same when their households were merged: "
                            "undo the merge to change this decision."
                        )
                    ]
                }
            )
        CANDIDATE.check(
            locked.status,
            decision,
            field="decision",
            message=_("This pair cannot be decided again now: reload the page."),
        )
        made = MatchDecision.objects.create(
            candidate=locked,
            decision=decision,
            reason=reason.strip(),
            decided_by=_user(actor),
            fingerprint=locked.fingerprint,
        )
        previous = locked.status
        locked.status = decision
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="dedup.pair_decided",
            target=locked,
            changes={"status": [previous, decision], "reason": "recorded"},
        )
    candidate.status = decision
    return made


def _user(actor: Actor) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def merge_pairs_decide(context: MergeContext) -> dict[str, list[int]]:
    """A household merge folded people into kept members: their open pairs are decided "same",
    with the merge's reason; pairs of members who moved follow them to the kept household."""
    pairs = Q(pk__in=[])
    for absorbed_id, kept_id in context.folded.items():
        first, second = sorted((absorbed_id, kept_id))
        pairs |= Q(individual_a_id=first, individual_b_id=second)
    decided = list(MatchCandidate.objects.select_for_update().filter(pairs, status=CandidateStatus.OPEN).order_by("pk"))
    decisions = []
    for candidate in decided:
        decisions.append(
            MatchDecision.objects.create(
                candidate=candidate,
                decision=Decision.SAME,
                reason=context.merge.reason,
                decided_by=_user(context.actor),
                fingerprint=candidate.fingerprint,
            ).pk
        )
        candidate.status = CandidateStatus.SAME
        candidate.decided_by_merge = context.merge
        candidate.save(update_fields=["status", "decided_by_merge", "updated_at"])
        audit_record(
            actor=context.actor,
            action="dedup.pair_decided",
            target=candidate,
            changes={"status": [CandidateStatus.OPEN, Decision.SAME], "merge": context.merge.pk, "reason": "recorded"},
        )
    moved = {}
    for side in ("a", "b"):
        rows = MatchCandidate.objects.filter(
            **{f"individual_{side}_id__in": context.moved_members, f"household_{side}": context.absorbed}
        )
        moved[side] = list(rows.order_by("pk").values_list("pk", flat=True))
        MatchCandidate.objects.filter(pk__in=moved[side]).update(**{f"household_{side}": context.kept})
    return {
        "decided": [candidate.pk for candidate in decided],
        "decisions": decisions,
        "household_a": moved["a"],
        "household_b": moved["b"],
    }


def merge_pairs_reopen(context: MergeContext, changed: dict[str, list[int]]) -> None:
    """Undo of a household merge: the pairs it decided are open again (its decisions removed, the
    audit keeps them), and moved pairs point at the merged household again."""
    for side in ("a", "b"):
        MatchCandidate.objects.filter(
            pk__in=changed[f"household_{side}"], **{f"household_{side}": context.kept}
        ).update(**{f"household_{side}": context.absorbed})
    MatchDecision.objects.filter(pk__in=changed["decisions"]).delete()
    reopened = MatchCandidate.objects.select_for_update().filter(pk__in=changed["decided"], status=CandidateStatus.SAME)
    for candidate in reopened.order_by("pk"):
        candidate.status = CandidateStatus.OPEN
        candidate.decided_by_merge = None
        candidate.save(update_fields=["status", "decided_by_merge", "updated_at"])
        audit_record(
            actor=context.actor,
            action="dedup.pair_reopened",
            target=candidate,
            changes={"status": [CandidateStatus.SAME, CandidateStatus.OPEN], "merge": context.merge.pk},
        )


MERGE_PARTICIPANT = MergeParticipant(
    name="dedup",
    models=(MatchCandidate._meta.label,),
    merged=merge_pairs_decide,
    undone=merge_pairs_reopen,
)
