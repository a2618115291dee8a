"""Merging two registrations of one household, and undoing the merge.

A merge keeps one household and empties the other into it. The members of the merged
household move to the kept one, except those a reviewer judged the same person as a kept
member: these are *folded* (``Individual.merged_into``) and stay, as tombstones, with the
merged household. Every other row that points at the merged household, or at a folded
member, is re-pointed at the kept one, found through Django's model metadata so that rows of
apps written later (entitlements, handovers) move too. The merged household stays as a
tombstone (status "merged", ``merged_into``): its registration number still resolves.

What moved is written down in a `HouseholdMerge` (ids and codes only, never a personal
value), which is what an undo puts back.

Apps whose rows need more than re-pointing (a pair of individuals that becomes one person)
register a `MergeParticipant` from their ``AppConfig.ready``: the registry then leaves their
models alone and calls them inside the merge's transaction. This keeps the registry, an
earlier stage, from importing the apps that build on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, models, transaction
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abri.access import roles
from abri.access.selectors import Scope, scope_for
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.registry.access import household_allows
from abri.registry.flags import FLAG_FIELDS, household_flags
from abri.registry.locks import households_lock, members_lock, version_bump
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus, Individual, Relationship

Actor = User | AnonymousUser | None

# What a merge needs on both households (why both rights: see `abri.access.roles`).
MERGE_PERMISSIONS = roles.MERGE_HOUSEHOLDS

# Household fields a merge may change, beside its members; the audit names them, never values.
_TRACKED = ("status", "merged_into_id", "head_id", "size", *FLAG_FIELDS)


@dataclass(frozen=True)
class MergeContext:
    """What a participant is told about a merge (or its undo), inside its transaction."""

    actor: Actor
    merge: HouseholdMerge
    kept: Household
    absorbed: Household
    moved_members: tuple[int, ...]  # absorbed members now in the kept household
    folded: dict[int, int]  # absorbed member id → the kept member judged the same person


@dataclass(frozen=True)
class MergeParticipant:
    """An app whose rows about households or individuals need more than being re-pointed.

    ``models`` (labels such as ``"dedup.MatchCandidate"``) are left alone by the generic move;
    ``merged`` runs after the members and relations moved and returns what it changed (ids
    and codes only), kept in the merge record under ``name``; ``undone`` gets that back first
    thing in an undo.
    """

    name: str
    models: tuple[str, ...]
    merged: Callable[[MergeContext], dict[str, Any]]
    undone: Callable[[MergeContext, dict[str, Any]], None]


_participants: dict[str, MergeParticipant] = {}


def merge_participant_register(participant: MergeParticipant) -> None:
    """Have household merges call ``participant`` (from ``AppConfig.ready``; registering twice replaces)."""
    _participants[participant.name] = participant


def merge_participants() -> list[MergeParticipant]:
    """The registered participants, by name."""
    return [_participants[name] for name in sorted(_participants)]


@dataclass(frozen=True)
class Relation:
    """A foreign key (or one-to-one) of another model to Household or Individual."""

    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field}"


def merge_relations(target: type[Household] | type[Individual]) -> list[Relation]:
    """Every relation to ``target`` that a merge re-points, found in the model metadata.

    Hidden reverse relations (``related_name="+"``) and the through tables of many-to-many
    fields are included; the registry's own models (moved explicitly) and the participants'
    models are not.
    """
    handled = {
        Household._meta.label,
        Individual._meta.label,
        HouseholdMerge._meta.label,
        *(label for participant in _participants.values() for label in participant.models),
    }
    relations = []
    for related in target._meta.get_fields(include_hidden=True):
        if not isinstance(related, ForeignObjectRel) or related.many_to_many:
            continue
        holder = related.related_model
        if not isinstance(holder, type) or holder._meta.label in handled or not related.field.concrete:
            continue
        relations.append(Relation(model=holder, field=related.field.name))
    return sorted(relations, key=lambda relation: relation.label)


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def merge_allowed(*, scope: Scope, household: Household) -> bool:
    """Whether ``scope`` holds what a merge needs (``MERGE_PERMISSIONS``) on ``household``."""
    return household_allows(scope=scope, household=household, permissions=MERGE_PERMISSIONS)


def _check_allowed(scope: Scope, kept: Household, absorbed: Household) -> None:
    """Refuse unless ``scope`` may merge both: NotFound for a household it may not even see."""
    for household in (kept, absorbed):
        if not scope.covers(
            roles.VIEW_HOUSEHOLD, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
        ):
            raise NotFound(_("No household %(number)s.") % {"number": household.registration_number})
    refused = [household for household in (kept, absorbed) if not merge_allowed(scope=scope, household=household)]
    if not refused:
        return
    if kept.organisation_id != absorbed.organisation_id:
        raise PermissionDenied(
            _(
                "Households %(kept)s and %(absorbed)s are registered by different organisations: merging them "
                "needs the right to change households and to review duplicates for both organisations."
            )
            % {"kept": kept.registration_number, "absorbed": absorbed.registration_number}
        )
    raise PermissionDenied(
        _("You may not merge household %(number)s: that needs the right to change households and to review duplicates.")
        % {"number": refused[0].registration_number}
    )


def _not_merged(*households: Household) -> None:
    for household in households:
        if household.status == HouseholdStatus.MERGED:
            raise ValidationFailed(
                {
                    "__all__": [
                        _("Household %(number)s has already been merged into another household.")
                        % {"number": household.registration_number}
                    ]
                }
            )


def _pairs_check(
    member_pairs: Iterable[tuple[int, int]], *, kept: Household, absorbed: Household, members: dict[int, Individual]
) -> dict[int, int]:
    """The pairs (absorbed member, kept member) as a map, each member in one pair at most."""
    folded: dict[int, int] = {}
    errors: list[str] = []
    for absorbed_id, kept_id in member_pairs:
        if absorbed_id not in members or members[absorbed_id].household_id != absorbed.pk:
            errors.append(
                _("Member %(id)s is not a member of household %(number)s.")
                % {"id": absorbed_id, "number": absorbed.registration_number}
            )
        elif kept_id not in members or members[kept_id].household_id != kept.pk:
            errors.append(
                _("Member %(id)s is not a member of household %(number)s.")
                % {"id": kept_id, "number": kept.registration_number}
            )
        elif absorbed_id in folded or kept_id in folded.values():
            errors.append(_("Member %(id)s is paired twice: pair each person once.") % {"id": absorbed_id})
        else:
            folded[absorbed_id] = kept_id
    if errors:
        raise ValidationFailed({"member_pairs": errors})
    return folded


def _snapshot(household: Household) -> dict[str, Any]:
    return {name: getattr(household, name) for name in _TRACKED}


def _recompute(household: Household) -> None:
    """Size and flags from the household's members who are not folded into someone else."""
    members = list(Individual.objects.filter(household=household, merged_into__isnull=True))
    household.size = len(members)
    for name, value in household_flags(members, on=household.registered_on).items():
        setattr(household, name, value)


def _changed(before: dict[str, Any], household: Household) -> list[str]:
    return [name.removesuffix("_id") for name in _TRACKED if getattr(household, name) != before[name]]


def _repoint(relation: Relation, *, source: int, target: int) -> dict[str, Any] | None:
    """Point the rows of ``relation`` at ``target`` instead of ``source``; what moved, or None."""
    manager = relation.model._base_manager
    rows = list(manager.filter(**{relation.field: source}).order_by("pk").values_list("pk", flat=True))
    if not rows:
        return None
    try:
        with transaction.atomic():
            manager.filter(pk__in=rows).update(**{relation.field: target})
    except IntegrityError as error:
        raise ValidationFailed(
            {
                "__all__": [
                    _(
                        "Both households have %(records)s that cannot be combined (each may have only one): "
                        "settle them before merging."
                    )
                    % {"records": relation.model._meta.verbose_name_plural}
                ]
            }
        ) from error
    return {"relation": relation.label, "from": source, "to": target, "rows": [_json_key(row) for row in rows]}


def _json_key(value: Any) -> Any:
    return value if isinstance(value, int | str) else str(value)


def household_merge(
    *,
    actor: Actor,
    keep: Household,
    absorb: Household,
    reason: str,
    member_pairs: Sequence[tuple[int, int]] = (),
) -> HouseholdMerge:
    """Merge ``absorb`` into ``keep``: members, their rows and the household's rows move; ``absorb``
    becomes a tombstone pointing at ``keep``. ``member_pairs`` lists (member of ``absorb``,
    member of ``keep``) judged the same person: the first is folded into the second.

    Needs the right to change households and to review duplicates on both (see
    ``MERGE_PERMISSIONS``); households of two organisations only for someone holding both
    rights in both. Everything or nothing is written; two merges of the same households at
    once queue on the households' locks and the second is refused.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why these are one household: the reason is kept with the merge.")]})
    if keep.pk == absorb.pk:
        raise ValidationFailed({"__all__": [_("A household cannot be merged with itself.")]})
    scope = scope_for(user=actor)
    _check_allowed(scope, keep, absorb)
    with transaction.atomic():
        locked = households_lock(keep.pk, absorb.pk)
        if len(locked) != 2:  # one of the two no longer exists
            raise NotFound(_("No household %(number)s.") % {"number": absorb.registration_number})
        kept, absorbed = locked[keep.pk], locked[absorb.pk]
        _not_merged(kept, absorbed)
        _check_allowed(scope, kept, absorbed)  # re-read under the lock: a move may have happened meanwhile
        members = members_lock(kept, absorbed)  # read under the lock: an edit may have changed them meanwhile
        version_bump(kept)
        version_bump(absorbed)
        folded = _pairs_check(member_pairs, kept=kept, absorbed=absorbed, members=members)
        moved_members = sorted(
            pk for pk, member in members.items() if member.household_id == absorbed.pk and pk not in folded
        )
        # A moved head is no longer the head: the kept household has one.
        relationships = {
            str(pk): members[pk].relationship for pk in moved_members if members[pk].relationship == Relationship.HEAD
        }
        kept_before, absorbed_before = _snapshot(kept), _snapshot(absorbed)
        merge = HouseholdMerge.objects.create(kept=kept, absorbed=absorbed, merged_by=_user(actor), reason=reason)

        Individual.objects.filter(pk__in=moved_members).update(household=kept, updated_at=timezone.now())
        if relationships:
            Individual.objects.filter(pk__in=[int(pk) for pk in relationships]).update(
                relationship=Relationship.OTHER_RELATIVE
            )
        for absorbed_id, kept_id in folded.items():
            Individual.objects.filter(pk=absorbed_id).update(merged_into_id=kept_id, updated_at=timezone.now())

        moves = [
            move
            for relation in merge_relations(Household)
            if (move := _repoint(relation, source=absorbed.pk, target=kept.pk))
        ]
        for absorbed_id, kept_id in sorted(folded.items()):
            moves.extend(
                move
                for relation in merge_relations(Individual)
                if (move := _repoint(relation, source=absorbed_id, target=kept_id))
            )

        context = MergeContext(
            actor=actor,
            merge=merge,
            kept=kept,
            absorbed=absorbed,
            moved_members=tuple(moved_members),
            folded=folded,
        )
        participants = {participant.name: participant.merged(context) for participant in merge_participants()}

        absorbed.status = HouseholdStatus.MERGED
        absorbed.merged_into = kept
        absorbed.head = None
        _recompute(absorbed)
        absorbed.save()
        _recompute(kept)
        kept.save()

        merge.moved = {
            "members": moved_members,
            "folded": {str(absorbed_id): kept_id for absorbed_id, kept_id in folded.items()},
            "relationships": relationships,
            "absorbed": {"status": absorbed_before["status"], "head": absorbed_before["head_id"]},
            "relations": moves,
            "participants": participants,
            "fields": {"kept": _changed(kept_before, kept), "absorbed": _changed(absorbed_before, absorbed)},
        }
        merge.save(update_fields=["moved", "updated_at"])
        relation_counts = {move["relation"]: len(move["rows"]) for move in moves}
        audit_record(
            actor=actor,
            action="household.merge",
            target=kept,
            changes={
                "merge": merge.pk,
                "absorbed": absorbed.pk,
                "members_moved": len(moved_members),
                "members_folded": len(folded),
                "fields": merge.moved["fields"]["kept"],
                "relations": relation_counts,
                "reason": "recorded",
            },
        )
        audit_record(
            actor=actor,
            action="household.merged_into",
            target=absorbed,
            changes={"merge": merge.pk, "kept": kept.pk, "fields": merge.moved["fields"]["absorbed"]},
        )
    return merge


def _undo_check(record: HouseholdMerge, *, kept: Household) -> None:
    """Refuse an undo that would leave either household inconsistent."""
    if record.undone_at is not None:
        raise ValidationFailed({"__all__": [_("This merge has already been undone.")]})
    if kept.status == HouseholdStatus.MERGED:
        raise ValidationFailed(
            {
                "__all__": [
                    _("Household %(number)s has since been merged into another household: undo that merge first.")
                    % {"number": kept.registration_number}
                ]
            }
        )
    member_ids: list[int] = record.moved["members"]
    still_there = set(Individual.objects.filter(pk__in=member_ids, household=kept).values_list("pk", flat=True))
    missing = len(set(member_ids) - still_there)
    if missing:
        raise ValidationFailed(
            {
                "__all__": [
                    ngettext(
                        "%(count)d member this merge moved has since left household %(number)s or been removed "
                        "from it: the merge cannot be undone.",
                        "%(count)d members this merge moved have since left household %(number)s or been "
                        "removed from it: the merge cannot be undone.",
                        missing,
                    )
                    % {"count": missing, "number": kept.registration_number}
                ]
            }
        )
    if kept.head_id in still_there:
        raise ValidationFailed(
            {
                "__all__": [
                    _(
                        "The head of household %(number)s is a member this merge moved: choose another head "
                        "before undoing the merge."
                    )
                    % {"number": kept.registration_number}
                ]
            }
        )


def _relations_restore(moves: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Point re-pointed rows back, last move first; the rows no longer where the merge put them."""
    skipped: dict[str, list[Any]] = {}
    for move in reversed(moves):
        app_model, field = move["relation"].rsplit(".", 1)
        model = apps.get_model(app_model)
        rows = model._base_manager.filter(pk__in=move["rows"], **{field: move["to"]})
        present = set(rows.values_list("pk", flat=True))
        try:
            with transaction.atomic():
                rows.update(**{field: move["from"]})
        except IntegrityError as error:
            raise ValidationFailed(
                {
                    "__all__": [
                        _("Some %(records)s cannot be put back: the merge cannot be undone.")
                        % {"records": model._meta.verbose_name_plural}
                    ]
                }
            ) from error
        lost = [row for row in move["rows"] if row not in present]
        if lost:
            skipped.setdefault(move["relation"], []).extend(lost)
    return skipped


def household_merge_undo(*, actor: Actor, merge: HouseholdMerge, reason: str) -> HouseholdMerge:
    """Put back what ``merge`` moved: members, folded members, re-pointed rows, the merged
    household's status and head; the kept household's size and flags are recomputed.

    Refused while the kept household is itself merged away, or when a member the merge moved
    has since been removed from the kept household or made its head. Rows of other relations
    that no longer point where the merge put them (deleted or changed since) are left as they
    are and listed in ``undo_skipped``. Same rights as the merge.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the merge is undone: the reason is kept with it.")]})
    scope = scope_for(user=actor)
    with transaction.atomic():
        locked = households_lock(merge.kept_id, merge.absorbed_id)
        members_lock(*locked.values())
        record = HouseholdMerge.objects.select_for_update().get(pk=merge.pk)
        kept, absorbed = locked[record.kept_id], locked[record.absorbed_id]
        version_bump(kept)
        version_bump(absorbed)
        _check_allowed(scope, kept, absorbed)
        _undo_check(record, kept=kept)
        moved = record.moved
        member_ids: list[int] = moved["members"]
        folded = {int(absorbed_id): kept_id for absorbed_id, kept_id in moved["folded"].items()}
        context = MergeContext(
            actor=actor,
            merge=record,
            kept=kept,
            absorbed=absorbed,
            moved_members=tuple(member_ids),
            folded=folded,
        )
        for participant in reversed(merge_participants()):
            if participant.name in moved["participants"]:
                participant.undone(context, moved["participants"][participant.name])

        skipped = _relations_restore(moved["relations"])

        now = timezone.now()
        Individual.objects.filter(pk__in=list(folded), household=absorbed).update(merged_into=None, updated_at=now)
        Individual.objects.filter(pk__in=member_ids).update(household=absorbed, updated_at=now)
        for pk, relationship in moved["relationships"].items():
            Individual.objects.filter(pk=int(pk)).update(relationship=relationship)

        kept_before, absorbed_before = _snapshot(kept), _snapshot(absorbed)
        head = moved["absorbed"]["head"]
        absorbed.status = moved["absorbed"]["status"]
        absorbed.merged_into = None
        absorbed.head_id = (
            head if head is not None and Individual.objects.filter(pk=head, household=absorbed).exists() else None
        )
        _recompute(absorbed)
        absorbed.save()
        _recompute(kept)
        kept.save()

        record.undone_at = now
        record.undone_by = _user(actor)
        record.undo_reason = reason
        record.undo_skipped = skipped
        record.save(update_fields=["undone_at", "undone_by", "undo_reason", "undo_skipped", "updated_at"])
        skipped_counts = {relation: len(rows) for relation, rows in skipped.items()}
        audit_record(
            actor=actor,
            action="household.merge_undo",
            target=kept,
            changes={
                "merge": record.pk,
                "absorbed": absorbed.pk,
                "fields": _changed(kept_before, kept),
                "skipped": skipped_counts,
                "reason": "recorded",
            },
        )
        audit_record(
            actor=actor,
            action="household.unmerged",
            target=absorbed,
            changes={"merge": record.pk, "kept": kept.pk, "fields": _changed(absorbed_before, absorbed)},
        )
    return record
