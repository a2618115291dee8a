"""What `abri dedupe-file` and `abri link-files` share: their options, progress and output files."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abri.core.errors import ValidationFailed
from abri.core.exports import frame_csv_bytes
from abri.dedup.engine.linkage import Settings
from abri.dedup.engine.prepare import KNOWN_FIELDS, FieldMap
from abri.dedup.files import FileRun, clusters_for_output, deduplicate_file, link_files, pairs_for_output, parse_map

_STAGES = {
    "read": gettext_lazy("records read"),
    "load": gettext_lazy("records prepared"),
    "blocking": gettext_lazy("candidate pairs"),
    "comparison": gettext_lazy("pairs compared"),
    "estimate_u": gettext_lazy("model: chance agreement estimated"),
    "estimate_m": gettext_lazy("model: agreement among matches set"),
    "household_context": gettext_lazy("household context added"),
    "scoring": gettext_lazy("pairs above the threshold"),
}


def add_common_arguments(parser: CommandParser) -> None:
    """Options both commands take."""
    parser.add_argument("--out", required=True, type=Path, help="PAIRS.csv: one row per likely pair")
    parser.add_argument("--id-column", help="column identifying each record (default: the row number)")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help=f"a column holding a known field ({', '.join(KNOWN_FIELDS)}); repeat for each",
    )
    parser.add_argument(
        "--compare", action="append", default=[], metavar="COLUMN", help="another column to compare as free text"
    )
    parser.add_argument("--threshold", type=float, default=0.5, help="lowest match probability kept (default 0.5)")
    parser.add_argument("--clusters", type=Path, help="also write each record's cluster to this CSV")
    parser.add_argument("--households", type=Path, help="also write linked households to this CSV")
    parser.add_argument("--sheet", help="sheet of a spreadsheet (default: the first)")
    parser.add_argument("--as-of-year", type=int, help="year ages are counted from (default: this year)")


def field_map(options: dict[str, Any]) -> FieldMap:
    """The column map from the options, or a CommandError saying what is wrong."""
    try:
        fields = parse_map(options["map"])
    except ValidationFailed as error:
        raise CommandError(message(error)) from error
    return FieldMap(fields=fields, compare=tuple(options["compare"]), id_column=options["id_column"])


def settings(options: dict[str, Any]) -> Settings:
    """Engine settings from the options (the threshold must be a probability)."""
    threshold = options["threshold"]
    if not 0.0 < threshold < 1.0:
        raise CommandError(_("--threshold must be a probability between 0 and 1 (exclusive), not %s.") % threshold)
    return Settings(threshold=threshold)


def message(error: ValidationFailed) -> str:
    """The messages of a refusal, one per line."""
    return "\n".join(text for texts in error.errors.values() for text in texts)


class StderrProgress:
    """Progress on stderr: one line per stage with the elapsed time."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in _STAGES:
            return
        elapsed = time.perf_counter() - self.started
        count = f"{done:,} " if stage in {"read", "load", "blocking", "comparison", "scoring"} else ""
        self.write(f"[{elapsed:7.1f}s] {count}{_STAGES[stage]}")


def _write_csv(frame: pl.DataFrame, path: Path) -> None:
    try:
        path.write_bytes(frame_csv_bytes(frame))
    except OSError as error:
        raise CommandError(_("Could not write %(file)s: %(reason)s") % {"file": path, "reason": error}) from error


def write_outputs(run: FileRun, options: dict[str, Any], *, link: bool, names: dict[int, str] | None = None) -> str:
    """Write PAIRS.csv and the optional cluster and household files; return the summary line."""
    pairs = pairs_for_output(run)
    _write_csv(pairs, options["out"])
    if options["clusters"]:
        _write_csv(clusters_for_output(run, link=link, names=names), options["clusters"])
    if options["households"]:
        _write_csv(run.result.households, options["households"])
    clusters = run.result.clusters.filter(pl.col("cluster_size") > 1)["cluster"].n_unique()
    return _("%(pairs)d pairs written to %(out)s; %(clusters)d clusters of more than one record.") % {
        "pairs": len(pairs),
        "out": options["out"],
        "clusters": clusters,
    }


def run_and_write(command: BaseCommand, paths: list[Path], options: dict[str, Any]) -> None:
    """Run the engine on one list (duplicates inside) or two (the same people across), then write
    the files asked for; bad input becomes a `CommandError` that says what and where."""
    common: dict[str, Any] = {
        "settings": settings(options),
        "sheet": options["sheet"],
        "as_of_year": options["as_of_year"],
        "progress": StderrProgress(command.stderr.write),
    }
    mapping = field_map(options)
    try:
        if len(paths) == 2:
            run = link_files(paths[0], paths[1], mapping, **common)
        else:
            run = deduplicate_file(paths[0], mapping, **common)
    except ValidationFailed as error:
        raise CommandError(message(error)) from error
    for note in run.notes:
        command.stderr.write(note)
    link = len(paths) == 2
    names = {index: path.name for index, path in enumerate(paths)} if link else None
    command.stdout.write(write_outputs(run, options, link=link, names=names))
