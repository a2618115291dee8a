from django.apps import AppConfig


class ShelterConfig(AppConfig):
    name = "abri.shelter"
    label = "shelter"
    verbose_name = "Abri shelter"

    def ready(self) -> None:
        # `abri purge`: the name of whoever received a shelter for a purged household.
        from abri.core.retention import REMOVED, eraser_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.shelter.models import Allocation  # noqa: PLC0415 -- needs the app registry ready

        def proxies_erase(household_ids: list[int]) -> int:
            # A proxy stays a proxy (the relationship says who it was), without a name.
            return Allocation.objects.filter(household_id__in=household_ids, proxy_name__gt="").update(
                proxy_name=REMOVED
            )

        eraser_register("shelter allocation proxies", proxies_erase)
