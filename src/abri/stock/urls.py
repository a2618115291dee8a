from django.urls import path

from abri.stock import views

app_name = "stock"
urlpatterns = [
    path("", views.warehouse_list, name="warehouse_list"),
    path("warehouses/<int:warehouse_id>/", views.warehouse_detail, name="warehouse_detail"),
    path("receipts/new/", views.receipt_create, name="receipt_create"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("losses/new/", views.loss_create, name="loss_create"),
    path("adjustments/new/", views.adjustment_create, name="adjustment_create"),
    path("kits/", views.kit_list, name="kit_list"),
    path("kits/<int:kit_id>/edit/", views.kit_edit, name="kit_edit"),
]
