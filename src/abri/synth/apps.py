from django.apps import AppConfig


class SynthConfig(AppConfig):
    """Synthetic populations and the demo scenario: `abri synth`, `abri demo`; above every domain app."""

    name = "abri.synth"
    label = "synth"
