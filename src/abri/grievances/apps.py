from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "abri.grievances"
    label = "grievances"
