"""Synthetic displaced populations: believable Sahelian households, reproducible from a seed, fast.

Everything is drawn column by column with numpy and assembled with polars: a million
individuals take seconds, never a Python loop per person. The rates are plausible for
displaced people in central and northern Mali (household size about 7, more than half the
people under 18, one household in four headed by a woman, widows, polygamous households,
about 7% of people over five with a lot of difficulty in a Washington Group domain) without
being any real survey. The ethnic group only steers the names; it is never written out.

- `people`: the generator (`SynthSpec` → `Population` of two polars DataFrames);
- `names` and `naming`: Tamasheq, Arab, Fulfulde, Songhai, Bambara and Dogon names with
  their real spelling variation, drawn in bulk;
- `output`: the registry inputs, the bulk save through the registry services, CSV/XLSX files.
"""

from abri.registry.synth.output import population_inputs, population_save, population_write
from abri.registry.synth.people import Population, SynthSpec, synth_population

__all__ = ["Population", "SynthSpec", "population_inputs", "population_save", "population_write", "synth_population"]
