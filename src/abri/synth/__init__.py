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
- `output`: the registry inputs, the bulk save through the registry services, CSV/XLSX files;
- `kobo`: the same population as a KoboToolbox export, for the intake tests and benchmarks;
- `registries`: flat registration lists with known duplicates, to test and measure the
  matching engine (`abri.dedup.engine`).

The `abri synth` and `abri demo` commands live here too: this package sits above every
domain app and no domain app imports it (tests and benchmarks do). Nothing is imported here:
Django loads this package as an app before the models are ready.
"""
