from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "abri.dedup"
    label = "dedup"
