from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "abri.dedup"
    label = "dedup"

    def ready(self) -> None:
        # Imported here, once the models are loaded: household merges keep candidate pairs in step.
        from abri.dedup.merges.services import merge_participant_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.dedup.services import MERGE_PARTICIPANT  # noqa: PLC0415 -- needs the app registry ready

        merge_participant_register(MERGE_PARTICIPANT)
