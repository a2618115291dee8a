"""The live check at registration: who in the registry could the person being typed be?

One index per process (`LiveRegistry`), built from the registry on the first check:

- in the request when the registry is small, in a background thread when it is large (the
  first checks then answer "not ready yet" instead of making the clerk wait);
- people registered since the build (ids above the highest indexed) are read again on each
  check that finds new ones and indexed on their own, with the large index's prior and name
  frequencies, so a household registered a minute ago is found;
- the whole index is rebuilt in the background once too many people were added since, or
  after `REFRESH_SECONDS` if anything changed (edits and merges of people already indexed).

Typed phone and identity numbers are turned into the registry's keyed hashes before the
look-up: the index never holds them in clear. `live_check` keeps only the households the user
may see, and names only where the user may see personal data (docs/data-protection.md).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.access.selectors import Scope
from abri.core import crypto
from abri.dedup.engine.comparisons import BIRTH, FAMILY_NAME, GIVEN_NAME, ID_NUMBER, LOCATION, PHONE, SEX
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.dedup.live.index import HouseholdMatch, LiveIndex, Match
from abri.dedup.selectors import REGISTRY_FIELDS, registry_people
from abri.registry.access import households_visible
from abri.registry.models import Household, Individual
from abri.registry.normalise import id_number_normalise, phone_normalise
from abri.registry.shown import personal_data_visible

logger = logging.getLogger(__name__)

INLINE_BUILD_LIMIT = 50_000  # people: a registry this small is indexed within the first check
DELTA_REBUILD = 5_000  # people added since the build: past this, the whole index is rebuilt
REFRESH_SECONDS = 900  # an index this old is rebuilt in the background if anything changed
SHOWN_THRESHOLD = 0.1  # a registered person this likely to be the one typed is shown (with the bar)
SHOWN_PER_MEMBER = 3

Person = Mapping[str, str | None]
_SEX = {"female": "f", "male": "m"}


@dataclass
class _Built:
    index: LiveIndex | None  # None: nobody to compare with
    upto: int  # the highest individual id indexed
    at: datetime.datetime  # when the people were read
    keys: str = ""  # the field keys then (`crypto.ring_id`): hashes read under another ring are rebuilt


@dataclass
class Found:
    """What the index found for the typed members (unscoped: `live_check` filters it)."""

    members: list[list[Match]]
    households: list[HouseholdMatch]


def _records(after_id: int) -> tuple[pl.DataFrame, int]:
    people = registry_people(after_id=after_id)
    upto = int(people.select(pl.col("individual").cast(pl.Int64).max()).item() or after_id)
    records = prepare(
        people,
        FieldMap(fields=REGISTRY_FIELDS, id_column="individual"),
        as_of_year=timezone.now().year,
    )
    return records, upto


def _build(after_id: int = 0) -> _Built:
    at, keys = timezone.now(), crypto.ring_id()
    records, upto = _records(after_id)
    return _Built(index=LiveIndex.build(records) if records.height else None, upto=upto, at=at, keys=keys)


def _with_main_statistics(delta: LiveIndex, main: LiveIndex) -> LiveIndex:
    """The recent people's index scored as part of the whole registry: its prior and name frequencies."""
    delta.prior = main.prior
    counts = dict(main.name_count)
    for name, count in delta.name_count.items():
        counts[name] = counts.get(name, 0) + count
    delta.name_count = counts
    delta.named = main.named + delta.named
    return delta


def typed_person(member: Person, *, phone: str = "", location: str = "") -> dict[str, str | None]:
    """A member as typed in the form, in the index's terms: numbers as the registry's keyed hashes."""
    try:
        phone_hash = crypto.blind_index(phone_normalise(phone or ""), purpose="phone")
    except ValueError:
        phone_hash = ""  # not a Mali number (yet): the phone is left out of the comparison
    id_hash = crypto.blind_index(id_number_normalise(member.get("id_number") or ""), purpose="id_number")
    return {
        "given_name": member.get("given_names") or None,
        "family_name": member.get("family_name") or None,
        "sex": _SEX.get(member.get("sex") or ""),
        "birth_date": member.get("birth_date") or None,
        "birth_year": member.get("birth_year") or None,
        "age": member.get("age_years") or None,
        "phone": phone_hash or None,
        "id_number": id_hash or None,
        "location": location or None,
    }


def _worth_checking(person: Mapping[str, str | None]) -> bool:
    return bool(person.get("given_name") or person.get("family_name") or person.get("id_number"))


class LiveRegistry:
    """The process's index of the registry for the live check, kept fresh (see the module)."""

    def __init__(
        self,
        *,
        inline_limit: int = INLINE_BUILD_LIMIT,
        delta_rebuild: int = DELTA_REBUILD,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.inline_limit = inline_limit
        self.delta_rebuild = delta_rebuild
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._main: _Built | None = None
        self._delta: _Built | None = None
        self._building: threading.Thread | None = None
        self._refreshed = time.monotonic()

    @classmethod
    def from_index(cls, index: LiveIndex, *, upto: int) -> LiveRegistry:
        """A registry around an index built elsewhere (benchmarks), with people up to id ``upto``."""
        registry = cls()
        registry._main = _Built(index=index, upto=upto, at=timezone.now())
        return registry

    def reset(self) -> None:
        """Forget the index (the next check builds it again)."""
        with self._lock:
            self._main = None
            self._delta = None

    # -- keeping fresh --------------------------------------------------------------------
    def _rebuild_in_background(self) -> None:
        """Start a rebuild unless one runs (the caller holds the lock)."""
        if self._building is not None:
            return
        self._building = threading.Thread(target=self._rebuild, name="abri-live-check-index", daemon=True)
        self._building.start()

    def _rebuild(self) -> None:
        try:
            main = self._main
            if main is not None and not self._changed_since(main):
                self._refreshed = time.monotonic()
                return
            built = _build()
            with self._lock:
                self._main = built
                if self._delta is not None and self._delta.upto <= built.upto:
                    self._delta = None
                self._refreshed = time.monotonic()
        except Exception:
            logger.exception("The live check's index could not be rebuilt")
        finally:
            with self._lock:
                self._building = None
            connection.close()  # this thread's own connection

    @staticmethod
    def _changed_since(built: _Built) -> bool:
        latest = Individual.objects.aggregate(latest=Max("id"))["latest"] or 0
        return (
            built.keys != crypto.ring_id()  # a key rotation rewrote every keyed hash
            or latest > built.upto
            or Individual.objects.filter(updated_at__gte=built.at).exists()
        )

    def current(self) -> tuple[_Built | None, _Built | None]:
        """The main index and the index of people added since, or (None, None) while the first build runs."""
        latest = Individual.objects.aggregate(latest=Max("id"))["latest"] or 0
        with self._lock:
            if self._main is None:
                if self._building is None and Individual.objects.count() <= self.inline_limit:
                    self._main = _build()
                    self._refreshed = time.monotonic()
                else:
                    self._rebuild_in_background()
                    return None, None
            main = self._main
            if latest > main.upto and (self._delta is None or self._delta.upto < latest):
                delta = _build(after_id=main.upto)
                if delta.index is not None and main.index is not None:
                    _with_main_statistics(delta.index, main.index)
                self._delta = delta
                if delta.index is not None and delta.index.size > self.delta_rebuild:
                    self._rebuild_in_background()
            if main.keys and main.keys != crypto.ring_id():
                self._rebuild_in_background()  # the field keys changed: the hashes it holds are stale
            elif time.monotonic() - self._refreshed > self.refresh_seconds:
                self._refreshed = time.monotonic()  # one rebuild attempt per period
                self._rebuild_in_background()
            return main, self._delta

    # -- checking -------------------------------------------------------------------------
    def find(self, people: Sequence[Mapping[str, str | None]], *, threshold: float = SHOWN_THRESHOLD) -> Found | None:
        """Likely registered matches of each typed person and of them together; None while not ready."""
        main, delta = self.current()
        if main is None:
            return None
        return self.find_in([built.index for built in (main, delta) if built and built.index], people, threshold)

    @staticmethod
    def find_in(indexes: Sequence[LiveIndex], people: Sequence[Mapping[str, str | None]], threshold: float) -> Found:
        """The look-up itself, over the given indexes (what a benchmark measures).

        Each typed member is scored once (`LiveIndex.query`, its 50 likeliest candidates) and
        remembered: a debounced request re-scores only the rows that changed. The household
        hint groups those candidates by registered household, as `LiveIndex.query_household`
        does, without scoring anyone again.
        """
        members: list[dict[str, Match]] = [{} for _person in people]
        households: list[HouseholdMatch] = []
        for index in indexes:
            candidates = [_RECENT.candidates(index, person) if _worth_checking(person) else [] for person in people]
            for position, found in enumerate(candidates):
                members[position].update((match.record_id, match) for match in found if match.probability >= threshold)
            households.extend(_households(index, candidates, _HINT_FLOOR))
        # A match in a registered household that other typed members match too comes first:
        # a family registered again shares its members, a namesake rarely does.
        hinted = set()
        for household in households:
            for position, match in household.members:
                members[position].setdefault(match.record_id, match)
                hinted.add(match.record_id)
        shown = [
            sorted(found.values(), key=lambda match: (match.record_id not in hinted, -match.probability))[
                :SHOWN_PER_MEMBER
            ]
            for found in members
        ]
        households.sort(key=lambda match: (-match.members_matched, -max(m.probability for _, m in match.members)))
        return Found(members=shown, households=households)


_CANDIDATES = 50  # per typed member: enough to find their household among their likely matches
_CANDIDATE_FLOOR = 0.001
# Two typed members or more each this likely to be in one registered household make the hint:
# alone each could be a namesake, together they are a family registered again.
_HINT_FLOOR = 0.01


class _RecentLookups:
    """The last typed members looked up, per index (bounded, in this process's memory only)."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._by_index: weakref.WeakKeyDictionary[
            LiveIndex, OrderedDict[tuple[tuple[str, str | None], ...], list[Match]]
        ]
        self._by_index = weakref.WeakKeyDictionary()

    def candidates(self, index: LiveIndex, person: Mapping[str, str | None]) -> list[Match]:
        key = tuple(sorted(person.items()))
        with self._lock:
            recent = self._by_index.setdefault(index, OrderedDict())
            if key in recent:
                recent.move_to_end(key)
                return recent[key]
        found = index.query(person, threshold=_CANDIDATE_FLOOR, limit=_CANDIDATES)
        with self._lock:
            recent[key] = found
            while len(recent) > self.size:
                recent.popitem(last=False)
        return found


_RECENT = _RecentLookups()


def _household_size(index: LiveIndex, household: str) -> int:
    names = index.household_names  # sorted: `LiveIndex` numbers households in their sorted order
    position = int(np.searchsorted(names, household))
    if position < len(names) and names[position] == household:
        return int(index.household_size[position])
    return 0


def _households(index: LiveIndex, candidates: Sequence[list[Match]], floor: float) -> list[HouseholdMatch]:
    """Registered households holding likely matches of two typed members or more."""
    by_household: dict[str, dict[int, Match]] = {}
    for position, found in enumerate(candidates):
        for match in found:
            if match.household is None:
                continue
            best = by_household.setdefault(match.household, {})
            if position not in best or match.probability > best[position].probability:
                best[position] = match
    households = []
    for household, by_member in by_household.items():
        members = [(position, match) for position, match in sorted(by_member.items()) if match.probability >= floor]
        if len(members) >= 2:
            households.append(
                HouseholdMatch(
                    household=household,
                    members_matched=len(members),
                    size=_household_size(index, household),
                    members=members,
                )
            )
    return households


_REGISTRY = LiveRegistry()


def live_registry() -> LiveRegistry:
    """The process-wide index of the live check."""
    return _REGISTRY


# -- what the user may see ------------------------------------------------------------------
@dataclass
class ShownMatch:
    """A likely match as shown to this user: names only with the right to see personal data."""

    probability: float
    registration_number: str
    area: str
    name: str | None  # None: the user may not see this household's personal data
    evidence: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.probability * 100)


@dataclass
class ShownHousehold:
    """A registered household sharing several of the typed members."""

    registration_number: str
    area: str
    members_matched: int
    size: int
    typed_members: list[int]  # the member numbers (1-based) of the form
    probability: float

    @property
    def percent(self) -> int:
        return round(self.probability * 100)


@dataclass
class LiveCheck:
    """The panel of the form: per typed member, then for the household as a whole."""

    ready: bool
    members: list[list[ShownMatch]]
    households: list[ShownHousehold]


_EVIDENCE_LABELS = {
    comparison.name: comparison.label
    for comparison in (GIVEN_NAME, FAMILY_NAME, SEX, BIRTH, PHONE, ID_NUMBER, LOCATION)
}


def _area_label(household: Household) -> str:
    return f"{household.admin_area.label} ({household.admin_area_id})"


def live_check(
    *,
    scope: Scope,
    members: Sequence[Person],
    phone: str = "",
    location: str = "",
    registry: LiveRegistry | None = None,
) -> LiveCheck:
    """Registered people likely to be the typed ``members``, limited to what ``scope`` may see.

    A household outside the scope (``VIEW_HOUSEHOLD``) is not mentioned at all; inside it, the
    registration number, area and probability are shown; names and the evidence (which values
    agree: they tell the registered person's phone or identity number) only where the scope
    covers ``VIEW_PERSONAL_DATA`` for that household.
    """
    people = [typed_person(member, phone=phone, location=location) for member in members]
    found = (registry or live_registry()).find(people)
    if found is None:
        return LiveCheck(ready=False, members=[[] for _member in members], households=[])
    household_ids = {int(match.household) for matches in found.members for match in matches if match.household}
    household_ids |= {int(match.household) for match in found.households}
    households = {
        household.pk: household
        for household in households_visible(scope=scope).filter(pk__in=household_ids).select_related("admin_area")
    }
    personal = {pk for pk, household in households.items() if personal_data_visible(scope=scope, household=household)}
    shown_people = [
        int(match.record_id)
        for matches in found.members
        for match in matches
        if match.household and int(match.household) in personal
    ]
    names = {
        individual.pk: str(individual)
        for individual in Individual.objects.filter(pk__in=shown_people, household_id__in=personal)
    }
    shown_members = []
    for matches in found.members:
        shown: list[ShownMatch] = []
        for match in matches:
            household = households.get(int(match.household)) if match.household else None
            if household is None:
                continue
            sees = household.pk in personal
            shown.append(
                ShownMatch(
                    probability=match.probability,
                    registration_number=household.registration_number,
                    area=_area_label(household),
                    name=names.get(int(match.record_id)) if sees else None,
                    evidence=[
                        _("%(field)s: %(level)s") % {"field": _EVIDENCE_LABELS.get(name, name), "level": level}
                        for name, level in match.evidence.items()
                    ]
                    if sees
                    else [],
                )
            )
        shown_members.append(shown)
    shown_households = [
        ShownHousehold(
            registration_number=households[int(match.household)].registration_number,
            area=_area_label(households[int(match.household)]),
            members_matched=match.members_matched,
            size=match.size,
            typed_members=[position + 1 for position, _match in match.members],
            probability=max(member.probability for _position, member in match.members),
        )
        for match in found.households
        if int(match.household) in households
    ]
    return LiveCheck(ready=True, members=shown_members, households=shown_households)
