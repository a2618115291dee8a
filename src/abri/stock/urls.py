from django.urls import path

from abri.stock import views

app_name = "stock"
urlpatterns = [
    path("", views.warehouse_list, name="warehouse_list"),
    path("receipts/new/", views.receipt_create, name="receipt_create"),
]
