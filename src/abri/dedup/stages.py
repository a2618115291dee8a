"""What the pages say of each stage of the engine (its progress reports name the stage)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

ENGINE_STAGES: dict[str, Promise] = {
    "load": gettext_lazy("Preparing the records"),
    "blocking": gettext_lazy("Finding the pairs worth comparing"),
    "comparison": gettext_lazy("Comparing the pairs field by field"),
    "estimate_u": gettext_lazy("Estimating the model"),
    "estimate_m": gettext_lazy("Estimating the model"),
    "household_context": gettext_lazy("Comparing the households"),
    "scoring": gettext_lazy("Scoring the pairs"),
}
