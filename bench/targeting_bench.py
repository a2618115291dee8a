"""How fast targeting scores and lists: prints the median time to score and rank 200,000 households
against a plan of 10 criteria, the time of a whole run (features read in SQL, scored, stored), and
the time of the ranking page of a 200,000-household plan (first and a deep page).

    ABRI_DATA_DIR=/tmp/abri-targeting-bench .venv/bin/python bench/targeting_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_targeting_bench .venv/bin/python bench/targeting_bench.py

The scoring figure is the pure function on an in-memory frame (`abri.targeting.scoring.score_frame`);
the database is filled once, straight through bulk inserts (households without members).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.config.settings")
os.environ.setdefault("ABRI_FIELD_KEY", "dGVzdC1rZXktZm9yLWFicmktdGVzdHMtb25seS0zMmI=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

# Models import only once Django is set up.
import numpy as np
import polars as pl
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abri.access.models import Organisation
from abri.assistance.models import Programme
from abri.geo.models import AdminArea
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household
from abri.targeting.criteria import criteria_parse, menaka_nfi_criteria
from abri.targeting.models import TargetingPlan
from abri.targeting.scoring import score_frame
from abri.targeting.services import plan_create, plan_run

ON = datetime.date(2022, 12, 1)
BATCH = 5000


def synthetic_frame(households: int, seed: int = 20221202) -> pl.DataFrame:
    """A features frame as `households_features_frame` returns it, drawn at random."""
    rng = np.random.default_rng(seed)
    arrival = np.datetime64("2022-03-01") + rng.integers(0, 270, households).astype("timedelta64[D]")
    return pl.DataFrame(
        {
            "household_id": np.arange(1, households + 1),
            "registration_number": [f"BEN-22-{number:07d}" for number in range(1, households + 1)],
            **{flag: rng.random(households) < 0.15 for flag in FLAG_FIELDS},
            "size": rng.integers(1, 15, households),
            "head_age": rng.integers(15, 90, households),
            "children_under_5": rng.integers(0, 4, households),
            "children_under_18": rng.integers(0, 8, households),
            "members_60_plus": rng.integers(0, 3, households),
            "members_with_disability": rng.integers(0, 2, households),
            "days_since_arrival": (np.datetime64(ON) - arrival).astype(int),
            "arrival_date": arrival,
            "admin_area": rng.choice(["ML1001", "ML1002", "ML1003"], households),
            "site": rng.choice(["1", "2", "3"], households),
            "displacement_cause": rng.choice(["armed_conflict", "natural_disaster"], households, p=[0.95, 0.05]),
        }
    )


def bench_scoring(households: int, runs: int) -> float:
    frame = synthetic_frame(households)
    criteria = criteria_parse(menaka_nfi_criteria())  # 1 eligibility rule and 10 scoring rules
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        result = score_frame(frame, criteria, quota=households // 10)
        durations.append(time.perf_counter() - started)
    assert result.height == households
    return statistics.median(durations)


def fill(households: int) -> None:
    """Insert households in Ménaka until there are ``households``."""
    AdminArea.objects.get_or_create(pcode="ML10", defaults={"level": 1, "name": "Ménaka"})
    AdminArea.objects.get_or_create(pcode="ML1001", defaults={"level": 2, "name": "Ménaka", "parent_id": "ML10"})
    iom, _ = Organisation.objects.get_or_create(acronym="IOM", defaults={"name": "IOM", "kind": "un_agency"})
    have = Household.objects.count()
    rng = random.Random(20221202)
    number = have
    while number < households:
        with transaction.atomic():
            batch = []
            for _ in range(min(BATCH, households - number)):
                number += 1
                batch.append(
                    Household(
                        registration_number=f"BEN-22-{number:07d}",
                        organisation=iom,
                        admin_area_id="ML1001",
                        consent="given",
                        consent_date=datetime.date(2022, 11, 20),
                        registered_on=datetime.date(2022, 11, 20),
                        arrival_date=datetime.date(2022, 3, 1) + datetime.timedelta(days=rng.randrange(270)),
                        displacement_cause="armed_conflict",
                        size=1 + int(rng.expovariate(1 / 4)),
                        **{flag: rng.random() < 0.15 for flag in FLAG_FIELDS},
                    )
                )
            Household.objects.bulk_create(batch)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"registry holds {Household.objects.count():,} households")


def timed(client: Client, path: str, runs: int) -> tuple[float, int, int]:
    durations = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(durations), len(queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    seconds = bench_scoring(options.households, options.runs)
    print(
        f"score and rank {options.households:,} households, 10 scoring rules + 1 eligibility: {seconds:.3f} s (median)"
    )

    call_command("migrate", verbosity=0)
    fill(options.households)
    admin, _ = User.objects.get_or_create(username="bench.admin", defaults={"is_superuser": True, "is_staff": True})
    plan = TargetingPlan.objects.filter(name="Bench").first()
    if plan is None:
        programme, _ = Programme.objects.get_or_create(
            code="BENCH", defaults={"name": "Bench", "organisation": Organisation.objects.get(acronym="IOM")}
        )
        plan = plan_create(
            actor=admin,
            programme=programme,
            name="Bench",
            area_pcodes=["ML10"],
            criteria=menaka_nfi_criteria(),
            quota=options.households // 10,
        )
        started = time.perf_counter()
        run = plan_run(actor=admin, plan=plan, on=ON)
        print(
            f"whole run (features in SQL, score, bulk insert of {run.households:,} rows): "
            f"{time.perf_counter() - started:.1f} s"
        )
    client = Client()
    client.force_login(admin)
    for label, path in (("first page", f"/targeting/{plan.pk}/"), ("page 2,000", f"/targeting/{plan.pk}/?page=2000")):
        milliseconds, queries, size = timed(client, path, options.runs)
        print(f"ranking page, {label}: {milliseconds:.0f} ms (median), {queries} queries, {size:,} bytes")


if __name__ == "__main__":
    main()
