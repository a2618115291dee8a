from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "abri.targeting"
    label = "targeting"

    def ready(self) -> None:
        # Imported here, once the models are loaded: household merges leave targeting's history alone.
        from abri.dedup.merges.services import merge_participant_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.targeting.services import MERGE_PARTICIPANT  # noqa: PLC0415 -- idem

        merge_participant_register(MERGE_PARTICIPANT)
