from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "abri.geo"
    label = "geo"
