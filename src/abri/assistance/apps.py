from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "abri.assistance"
    label = "assistance"

    def ready(self) -> None:
        # `abri purge`: the name of whoever received a kit for a purged household.
        from abri.assistance.models import Handover, HandoverConflict  # noqa: PLC0415 -- needs the app registry ready
        from abri.core.retention import REMOVED, eraser_register  # noqa: PLC0415 -- needs the app registry ready

        def proxies_erase(household_ids: list[int]) -> int:
            # A proxy stays a proxy (the relationship says who it was), without a name.
            named = {"entitlement__household_id__in": household_ids, "proxy_name__gt": ""}
            rows = Handover.objects.filter(**named).update(proxy_name=REMOVED)
            return rows + HandoverConflict.objects.filter(**named).update(proxy_name=REMOVED)

        eraser_register("handover proxies", proxies_erase)
