"""Regenerate Abri's default deduplication model from a synthetic registry with known matches.

    python bench/dedup/train_model.py [--size 50000] [--seed 99] [--out src/abri/dedup/engine/default_model.json]

m of every comparison level is counted on the true pairs (the error process of a
re-registration); u on random pairs. The benchmark draws its registries with other seeds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import django

django.setup()

from abri.dedup.engine import linkage
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.synth import registries

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "src" / "abri" / "dedup" / "engine" / "default_model.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    arguments = parser.parse_args()
    registry = registries.registry(arguments.size, seed=arguments.seed)
    records = prepare(
        registry,
        FieldMap(fields=common.FIELDS, id_column=common.ID_COLUMN),
        as_of_year=datetime.datetime.now(tz=datetime.UTC).year,
    )
    ids = records.select("rid", "record_id")
    labels = (
        registries.true_pairs(registry)
        .join(ids.rename({"record_id": "id_a", "rid": "rid_a"}), on="id_a")
        .join(ids.rename({"record_id": "id_b", "rid": "rid_b"}), on="id_b")
    )
    result = linkage.deduplicate(records, settings=linkage.Settings(labels=labels))
    found = result.pairs.select("id_a", "id_b")
    print("on the training registry itself:", common.pair_metrics(found, registries.true_pairs(registry)))
    model = result.model.to_dict()
    model["prior"] = 1e-5  # estimated again on every list
    for parameters in model["fields"].values():
        for key in ("m", "u", "u_context"):
            if key in parameters:
                parameters[key] = [round(value, 7) for value in parameters[key]]
    text = json.dumps(model, separators=(", ", ": ")).replace('}, "', '},\n  "') + "\n"
    arguments.out.write_text(text)
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
