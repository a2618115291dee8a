"""Settings for the test suite: a throw-away data folder, a fixed field key, jobs run inline."""

import os
import tempfile

os.environ.setdefault("ABRI_DATA_DIR", tempfile.mkdtemp(prefix="abri-test-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Parallel workers inherit the same folder: give each its own, as each has its own database.
    os.environ["ABRI_DATA_DIR"] = os.path.join(os.environ["ABRI_DATA_DIR"], os.environ["PYTEST_XDIST_WORKER"])
# A fixed, public test key: test data is synthetic, never real people.
os.environ.setdefault("ABRI_FIELD_KEY", "dGVzdC1rZXktZm9yLWFicmktdGVzdHMtb25seS0zMmI=")
os.environ.setdefault("ABRI_TASKS_IMMEDIATE", "true")

from abri.config.settings import *  # noqa: F403 -- the test profile extends the base settings

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests only
AXES_ENABLED = False
