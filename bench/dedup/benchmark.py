"""Abri against Splink on synthetic Sahelian registries with known truth.

    python bench/dedup/benchmark.py --sizes 10000 200000 [1000000] [--engines abri splink]

For each size: draw the registry (cached in --data), then run each engine in its own
process and print its wall time, CPU time, peak memory (resident set of that process) and
the precision, recall and F1 of the pairs it finds at match probability 0.5 against the
true pairs. The registry is `abri.synth.registries.registry(size, seed)`: displaced
households, 12 % of them registered again in another commune with transcription
variants, typos, swapped names, approximate ages, changed phones and members added or
missing. Abri's default model was trained on a different draw (50,000 records, seed 99).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import polars as pl

from abri.synth import registries

HERE = Path(__file__).resolve().parent
RUNNERS = {"abri": HERE / "run_abri.py", "splink": HERE / "run_splink.py"}


def registry(folder: Path, size: int, seed: int) -> Path:
    """The registry file of this size and seed, drawn once."""
    path = common.registry_path(folder, size, seed)
    if not path.exists():
        started = time.perf_counter()
        registries.registry(size, seed=seed).write_parquet(path)
        print(f"  drew {path.name} in {time.perf_counter() - started:.0f}s", flush=True)
    return path


def measured(command: list[str], *, timeout: float) -> dict[str, float | str]:
    """Run ``command`` and return its wall time, CPU time and peak resident memory.

    Past ``timeout`` the process is stopped and the figures say "unfinished" (with the CPU
    time and peak memory it had used).
    """
    started = time.perf_counter()
    # The engine's spill files go to a folder removed afterwards, even when it is stopped.
    with (
        tempfile.TemporaryDirectory(prefix="abri-bench-") as spill,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        environment = {**os.environ, "TMPDIR": spill}
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=environment)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                process.kill()
                _, _, usage = os.wait4(process.pid, 0)
                # What it had used when stopped.
                return {
                    "unfinished": timeout,
                    "cpu_s": usage.ru_utime + usage.ru_stime,
                    "peak_mb": usage.ru_maxrss / 1024,
                }
            time.sleep(1)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "report": stdout.strip().splitlines()[-1] if stdout.strip() else "",
    }


def _unfinished(row: dict[str, float | str]) -> str:
    return (
        f"did not finish in {float(row['unfinished']):.0f} s "
        f"(stopped after {float(row['cpu_s']):.0f} s of CPU, peak {float(row['peak_mb']):.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000])
    parser.add_argument("--engines", nargs="+", default=["abri", "splink"], choices=sorted(RUNNERS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "abri-bench-dedup")
    parser.add_argument("--json", type=Path, help="also append the results to this JSON-lines file")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds an engine may run (default 3 h)")
    arguments = parser.parse_args()
    arguments.data.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}", flush=True)
    header = (
        f"{'size':>9} {'engine':>7} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} "
        f"{'pairs':>8} {'prec.':>6} {'recall':>6} {'F1':>6}"
    )
    rows = []
    for size in arguments.sizes:
        path = registry(arguments.data, size, arguments.seed)
        truth = registries.true_pairs(pl.read_parquet(path))
        for engine in arguments.engines:
            out = arguments.data / f"pairs-{engine}-{size}-seed{arguments.seed}.parquet"
            figures = measured([sys.executable, str(RUNNERS[engine]), str(path), str(out)], timeout=arguments.timeout)
            if "unfinished" in figures:
                row = {"size": size, "engine": engine, **figures}
                rows.append(row)
                print(f"  {size:>9,} {engine:>7} {_unfinished(row)}", flush=True)
                if arguments.json:
                    with arguments.json.open("a") as handle:
                        handle.write(json.dumps(row) + "\n")
                continue
            metrics = common.pair_metrics(pl.read_parquet(out), truth)
            row = {"size": size, "engine": engine, **figures, **metrics}
            rows.append(row)
            print(
                f"  {size:>9,} {engine:>7} {row['wall_s']:>8.1f} {row['cpu_s']:>8.1f} {row['peak_mb']:>8.0f} "
                f"{metrics['pairs']:>8,} {metrics['precision']:>6.3f} {metrics['recall']:>6.3f} {metrics['f1']:>6.3f}"
                f"   {row['report']}",
                flush=True,
            )
            if arguments.json:
                with arguments.json.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")
    print()
    print(header)
    for row in rows:
        if "unfinished" in row:
            print(f"{row['size']:>9,} {row['engine']:>7} {_unfinished(row)}")
            continue
        print(
            f"{row['size']:>9,} {row['engine']:>7} {row['wall_s']:>8.1f} {row['cpu_s']:>8.1f} {row['peak_mb']:>8.0f} "
            f"{row['pairs']:>8,} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f} (other work on the machine slows both engines alike)")


if __name__ == "__main__":
    main()
