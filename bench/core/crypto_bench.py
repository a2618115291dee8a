"""What encrypting phones and identity numbers costs an import: values per second, one process.

    .venv/bin/python bench/core/crypto_bench.py --values 1200000

A 200,000-household import of a million people encrypts about 1.2 million values (a phone per
household, an identity number per person) and computes as many keyed hashes. The benchmark
times ``encrypt_many`` and ``blind_index_many`` as the bulk writer calls them, ``decrypt`` of a
page's worth, and, for reference, the library's Fernet called once per value. It prints its figures.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.config.settings")
os.environ.setdefault("ABRI_DATA_DIR", tempfile.mkdtemp(prefix="abri-bench-"))

import django

django.setup()

from cryptography.fernet import Fernet

from abri.core import crypto


def values(count: int) -> list[str]:
    rng = random.Random(7)
    phones = [f"+223 {rng.randrange(60, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}"]
    documents = [f"{rng.randrange(10**11, 10**12)}{rng.choice('ABCDEFGH')}"]
    return [(phones[0] if index % 6 == 0 else documents[0]) + str(index % 97) for index in range(count)]


def timed(label: str, count: int, work) -> None:  # type: ignore[no-untyped-def]  # work is any zero-argument callable of the bench
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed:8.2f} s {count / elapsed:12,.0f} values/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--values", type=int, default=1_200_000)
    arguments = parser.parse_args()
    data = values(arguments.values)
    print(f"{arguments.values:,} values, load average {os.getloadavg()[0]:.1f}")
    tokens: list[str] = []
    timed("encrypt_many (the bulk writer)", len(data), lambda: tokens.extend(crypto.encrypt_many(data)))
    timed("blind_index_many (the bulk writer)", len(data), lambda: crypto.blind_index_many(data, purpose="phone"))
    page = tokens[:10_000]
    timed("decrypt, one by one (pages, exports)", len(page), lambda: [crypto.decrypt(token) for token in page])
    fernet = Fernet(base64.urlsafe_b64encode(os.urandom(32)))
    sample = data[:200_000]
    timed("reference: Fernet.encrypt one by one", len(sample), lambda: [fernet.encrypt(v.encode()) for v in sample])
    print(f"token length: {len(tokens[1])} characters for a {len(data[1])}-character value")


if __name__ == "__main__":
    main()
