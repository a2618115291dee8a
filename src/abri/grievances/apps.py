from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "abri.grievances"
    label = "grievances"

    def ready(self) -> None:
        # `abri purge`: the words of a grievance about a purged household (its category, dates and
        # outcome stay, for the figures).
        from abri.core.retention import eraser_register  # noqa: PLC0415 -- needs the app registry ready
        from abri.grievances.models import Grievance  # noqa: PLC0415 -- needs the app registry ready

        def texts_erase(household_ids: list[int]) -> int:
            return Grievance.objects.filter(household_id__in=household_ids).update(description="", response="")

        eraser_register("grievance texts", texts_erase)
