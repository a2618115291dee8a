from django.urls import path

from abri.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.distribution_list, name="distribution_list"),
    path("<str:code>/", views.distribution_detail, name="distribution_detail"),
    path("<str:code>/handover/", views.distribution_handover, name="distribution_handover"),
    path("<str:code>/households/", views.distribution_households, name="distribution_households"),
    path("<str:code>/close/", views.distribution_close_view, name="distribution_close"),
    path("<str:code>/cards.pdf", views.distribution_cards, name="distribution_cards"),
    path("<str:code>/list.pdf", views.distribution_sheet, name="distribution_sheet"),
    path("<str:code>/reconciliation.pdf", views.reconciliation_pdf_view, name="reconciliation_pdf"),
    path("<str:code>/reconciliation.xlsx", views.reconciliation_xlsx_view, name="reconciliation_xlsx"),
]
