"""Import benchmark: a Kobo XLSX export written by `abri synth --format kobo`, imported end to end
(read, validate, commit) with `abri import` into PostgreSQL and into SQLite, and the same import
done with django-import-export on a slice, side by side. Prints rows per second, wall time per
phase, and the peak memory of the importing process tree.

    .venv/bin/python bench/intake/import_bench.py --households 200000 --individuals 1000000

The export is generated once (not measured) and kept in --cache. PostgreSQL: a database
``abri_intake_bench`` is created (and dropped first) on 127.0.0.1:5432, user postgres.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ABRI = str(ROOT / ".venv" / "bin" / "abri")
FIELD_KEY = "YmVuY2gta2V5LWZvci1hYnJpLWJlbmNobWFya3Mtb25seQ=="
# Admin 2 P-codes of Ménaka, Mopti and Gao (OCHA list) where the synthetic households live.
AREAS = ["ML1001", "ML1002", "ML1003", "ML1004", "ML0501", "ML0502", "ML0503", "ML0504", "ML0701", "ML0702", "ML0703"]
SETUP = """
from abri.access.models import Organisation
from abri.geo.services import admin_areas_load
admin_areas_load(actor=None)
Organisation.objects.get_or_create(acronym="BENCH", defaults={"name": "Benchmark", "kind": "international_ngo"})
"""


def _load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def _environment(database: str, data_dir: Path) -> dict[str, str]:
    environment = dict(os.environ, ABRI_DATA_DIR=str(data_dir), ABRI_FIELD_KEY=FIELD_KEY, ABRI_LOG_LEVEL="WARNING")
    environment.pop("DATABASE_URL", None)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)  # a deployment compiles its modules once
    if database == "postgresql":
        environment["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/abri_intake_bench"
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "abri_intake_bench"], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "abri_intake_bench"], check=True)
    return environment


def _prepare(environment: dict[str, str]) -> None:
    subprocess.run([ABRI, "migrate", "--noinput", "-v", "0"], env=environment, check=True, capture_output=True)
    subprocess.run([ABRI, "shell", "-c", SETUP], env=environment, check=True, capture_output=True)


def export_generate(path: Path, *, households: int, individuals: int, seed: int) -> Path:
    """Write the Kobo export with `abri synth` (in a throw-away SQLite registry that knows the areas)."""
    with tempfile.TemporaryDirectory() as folder:
        environment = _environment("sqlite", Path(folder))
        _prepare(environment)
        out = Path(folder) / "out"
        subprocess.run(
            [ABRI, "synth", "--households", str(households), "--individuals", str(individuals), "--seed", str(seed),
             "--area", *AREAS, "--out", str(out), "--format", "kobo"],
            env=environment, check=True, capture_output=True,
        )  # fmt: skip
        shutil.move(out / "kobo-export.xlsx", path)
    return path


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them (a forked
    worker's copy-on-write pages are not counted twice)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Run:
    wall: float = 0.0
    peak_mb: float = 0.0
    output: str = ""
    phases: str = ""
    load_before: str = ""
    load_after: str = ""
    samples: list[float] = field(default_factory=list)


def run_measured(command: list[str], environment: dict[str, str]) -> Run:
    """Wall time, and the peak memory of the whole process tree (sum of PSS, sampled every 0.2 s)."""
    result = Run(load_before=_load())
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_pss_kb(pid) for pid in _descendants(process.pid)))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    result.wall = time.perf_counter() - started
    done.set()
    sampler.join()
    result.load_after = _load()
    if process.returncode:
        print(stdout, stderr[-3000:])
        raise SystemExit(process.returncode)
    result.peak_mb = peak / 1024
    result.output = stdout
    lines = stderr.replace("\r", "\n").splitlines()
    result.phases = next((line for line in lines if line.startswith("time per phase")), "")
    return result


IMPORT_EXPORT = """
import datetime, sys, openpyxl, tablib
from django.db import transaction
from import_export import resources, fields, widgets
from abri.access.models import Organisation
from abri.registry.models import Household, Individual
from abri.geo.models import AdminArea

organisation = Organisation.objects.get(acronym="BENCH")
workbook = openpyxl.load_workbook(sys.argv[1], read_only=True)
main, members = workbook.worksheets
main_rows = list(main.iter_rows(values_only=True))
member_rows = list(members.iter_rows(values_only=True))
head = main_rows[0]
households = tablib.Dataset(headers=["registration_number", "admin_area", "origin_area", "departure_date", "arrival_date",
    "displacement_cause", "consent", "consent_date", "registered_on", "organisation"])
for row in main_rows[1:]:
    value = dict(zip(head, row))
    households.append([value["_uuid"][:32], value["admin2"], value["origin_admin2"], value["departure_date"],
        value["arrival_date"], value["displacement_cause"], value["consent"], value["consent_date"], value["today"],
        organisation.pk])
mhead = member_rows[0]
individuals = tablib.Dataset(headers=["household", "given_names", "family_name", "sex", "relationship", "birth_date",
    "marital_status", "pregnancy", "id_document_type"])
for row in member_rows[1:]:
    value = dict(zip(mhead, row))
    birth = value["birth_date"] or datetime.date(2024 - int(value["age_years"] or 0), 7, 1)
    individuals.append([value["_submission__uuid"][:32], value["given_names"], value["family_name"] or "", value["sex"],
        value["relationship"], birth, value["marital_status"] or "", value["pregnancy"] or "no",
        value["id_document_type"] or ""])

class HouseholdResource(resources.ModelResource):
    admin_area = fields.Field(attribute="admin_area", column_name="admin_area", widget=widgets.ForeignKeyWidget(AdminArea, "pcode"))
    origin_area = fields.Field(attribute="origin_area", column_name="origin_area", widget=widgets.ForeignKeyWidget(AdminArea, "pcode"))
    class Meta:
        model = Household
        import_id_fields = ["registration_number"]
        fields = ["registration_number", "admin_area", "origin_area", "departure_date", "arrival_date",
                  "displacement_cause", "consent", "consent_date", "registered_on", "organisation"]

class IndividualResource(resources.ModelResource):
    household = fields.Field(attribute="household", column_name="household", widget=widgets.ForeignKeyWidget(Household, "registration_number"))
    class Meta:
        model = Individual
        import_id_fields = []
        fields = ["household", "given_names", "family_name", "sex", "relationship", "birth_date", "marital_status",
                  "pregnancy", "id_document_type"]
    def before_save_instance(self, instance, row, **kwargs):
        from abri.registry.normalise import search_name
        instance.search_name = search_name(instance.given_names, instance.family_name)

result = HouseholdResource().import_data(households, dry_run=False, use_transactions=True, raise_errors=True)
result = IndividualResource().import_data(individuals, dry_run=False, use_transactions=True, raise_errors=True)
print(Household.objects.count(), Individual.objects.count())
"""  # noqa: E501 -- a script run by `abri shell`, kept readable as one block


def _row(engine: str, database: str, *, households: int, people: int, run: Run, extra: str = "") -> str:
    rows = households + people
    return (
        f"{engine:<30}{database:<12}{households:>11}{people:>10}{run.wall:>9.1f}{rows / run.wall:>10.0f}"
        f"{people / run.wall:>10.0f}{run.peak_mb:>9.0f}{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--individuals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--slice", type=int, default=2_000, help="households in the django-import-export slice")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--skip-import-export", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "abri-bench")
    arguments = parser.parse_args()
    arguments.cache.mkdir(parents=True, exist_ok=True)
    ratio = arguments.individuals / arguments.households
    slice_people = int(arguments.slice * ratio)
    exports = {}
    for households, individuals in ((arguments.households, arguments.individuals), (arguments.slice, slice_people)):
        path = arguments.cache / f"kobo-synth-{households}-{individuals}-s{arguments.seed}.xlsx"
        if not path.exists():
            started = time.perf_counter()
            export_generate(path, households=households, individuals=individuals, seed=arguments.seed)
            print(f"abri synth wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - started:.0f} s (not measured)")  # fmt: skip
        exports[households] = path
    print(f"{os.cpu_count()} cores; {_load()}")
    header = f"{'engine':<30}{'database':<12}{'households':>11}{'people':>10}{'wall s':>9}{'rows/s':>10}"
    print(header + f"{'people/s':>10}{'peak MB':>9}")
    details: list[str] = []
    rates: dict[str, tuple[float, float]] = {}
    for database in arguments.databases.split(","):
        with tempfile.TemporaryDirectory() as folder:
            environment = _environment(database, Path(folder))
            _prepare(environment)
            command = [ABRI, "import", str(exports[arguments.households]), "--organisation", "BENCH", "--commit",
                       "--include-duplicates"]  # fmt: skip
            run = run_measured(command, environment)
            print(
                _row("abri import", database, households=arguments.households, people=arguments.individuals, run=run),
                flush=True,
            )
            details.append(f"  {database}: {run.phases} ({run.load_before} before, {run.load_after} after)")
            if "Committed" not in run.output and "Intégré" not in run.output:
                print(run.output)
            abri_rate = arguments.individuals / run.wall
            if arguments.skip_import_export:
                continue
            environment = _environment(database, Path(folder))
            _prepare(environment)
            script = IMPORT_EXPORT.replace("sys.argv[1]", repr(str(exports[arguments.slice])))
            other = run_measured([ABRI, "shell", "-c", script], environment)
            rate = slice_people / other.wall
            extrapolated = f"   ({arguments.individuals / rate:.0f} s for {arguments.individuals:,})"
            line = _row("django-import-export (slice)", database, households=arguments.slice, people=slice_people,
                        run=other, extra=extrapolated)  # fmt: skip
            print(line, flush=True)
            rates[database] = (abri_rate, rate)
    print("\n".join(["time per phase of abri import (wall):", *details]))
    for database, (abri_rate, rate) in rates.items():
        print(f"{database}: abri import is {abri_rate / rate:.0f} times the speed of django-import-export")


if __name__ == "__main__":
    sys.exit(main())
