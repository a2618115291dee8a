"""Import benchmark: a Kobo-shaped XLSX export imported end to end (read, validate, commit) with
`abri import`, on PostgreSQL and on SQLite, and the same import done with django-import-export
on a slice, side by side. Prints rows per second, wall time and peak memory.

    .venv/bin/python bench/intake/import_bench.py --households 200000 --individuals 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from kobo_export import AREA_NAMES, AREAS, write_export  # noqa: E402

ABRI = str(ROOT / ".venv" / "bin" / "abri")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
FIELD_KEY = "YmVuY2gta2V5LWZvci1hYnJpLWJlbmNobWFya3Mtb25seQ=="
SETUP = f"""
from abri.access.models import Organisation
from abri.geo.models import AdminArea
Organisation.objects.get_or_create(acronym="BENCH", defaults={{"name": "Benchmark", "kind": "international_ngo"}})
for region, cercles in {AREAS!r}.items():
    parent, _ = AdminArea.objects.get_or_create(pcode=region, defaults={{"level": 1, "name": {AREA_NAMES!r}[region]}})
    for code in cercles:
        AdminArea.objects.get_or_create(pcode=code, defaults={{"level": 2, "name": code, "parent": parent}})
"""


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
    subprocess.run([ABRI, "migrate", "--noinput", "-v", "0"], env=environment, check=True)
    subprocess.run([ABRI, "shell", "-c", SETUP], env=environment, check=True)


def _timed(command: list[str], environment: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, peak memory (MB, the largest process of this run), and the output (stdout, then
    the phase timings and the CPU time)."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "peak-kb %M", *command], env=environment, check=False,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        print(done.stdout, done.stderr[-3000:])
        raise SystemExit(done.returncode)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    lines = done.stderr.replace("\r", "\n").splitlines()
    peak = max((int(line.split()[1]) for line in lines if line.startswith("peak-kb")), default=0) / 1024
    summary = [line for line in lines if line.startswith("time per phase")]
    details = "\n".join([*summary, f"client CPU time (user+system, all processes): {cpu:.1f} s"])
    return wall, peak, done.stdout + "\n" + details


IMPORT_EXPORT = """
import sys, time, openpyxl, tablib
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
    birth = value["birth_date"] or "2000-01-01"
    individuals.append([value["_submission__uuid"][:32], value["given_names"], value["family_name"], value["sex"],
        value["relationship"], birth, value["marital_status"] or "", value["pregnancy"], value["id_document_type"] or ""])

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--individuals", type=int, default=1_000_000)
    parser.add_argument("--slice", type=int, default=2_000, help="households in the django-import-export slice")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--skip-import-export", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "abri-bench")
    arguments = parser.parse_args()
    arguments.cache.mkdir(parents=True, exist_ok=True)
    export = arguments.cache / f"kobo-{arguments.households}-{arguments.individuals}.xlsx"
    if not export.exists():
        started = time.perf_counter()
        write_export(export, households=arguments.households, individuals=arguments.individuals)
        print(
            f"generated {export.name} ({export.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s"
        )
    ratio = arguments.individuals / arguments.households
    small = arguments.cache / f"kobo-{arguments.slice}-{int(arguments.slice * ratio)}.xlsx"
    if not small.exists():
        write_export(small, households=arguments.slice, individuals=int(arguments.slice * ratio))
    print(f"{'engine':<28}{'database':<12}{'households':>11}{'people':>10}{'wall s':>9}{'people/s':>10}{'peak MB':>9}")
    for database in arguments.databases.split(","):
        with tempfile.TemporaryDirectory() as folder:
            environment = _environment(database, Path(folder))
            _prepare(environment)
            wall, peak, output = _timed(
                [ABRI, "import", str(export), "--organisation", "BENCH", "--commit"], environment
            )
            print(f"{'abri import':<28}{database:<12}{arguments.households:>11}{arguments.individuals:>10}"
                  f"{wall:>9.1f}{arguments.individuals / wall:>10.0f}{peak:>9.0f}")  # fmt: skip
            print("    " + output.strip().splitlines()[-2] + "\n    " + output.strip().splitlines()[-1])
            if "Committed" not in output:
                print(output)
            if arguments.skip_import_export:
                continue
            environment = _environment(database, Path(folder))
            _prepare(environment)
            slice_people = int(arguments.slice * ratio)
            wall, peak, _output = _timed(
                [ABRI, "shell", "-c", IMPORT_EXPORT.replace("sys.argv[1]", repr(str(small)))], environment
            )
            rate = slice_people / wall
            print(f"{'django-import-export (slice)':<28}{database:<12}{arguments.slice:>11}{slice_people:>10}"
                  f"{wall:>9.1f}{rate:>10.0f}{peak:>9.0f}   extrapolated to {arguments.individuals}: "
                  f"{arguments.individuals / rate:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
