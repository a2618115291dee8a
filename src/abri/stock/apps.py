from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "abri.stock"
    label = "stock"
