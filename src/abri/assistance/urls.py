from django.urls import path

from abri.assistance import offline_views, views

app_name = "assistance"
urlpatterns = [
    path("", views.distribution_list, name="distribution_list"),
    path("new/", views.distribution_create, name="distribution_create"),
    path("offline-sw.js", offline_views.offline_sw, name="offline_sw"),
    path("<str:code>/", views.distribution_detail, name="distribution_detail"),
    path("<str:code>/handover/", views.distribution_handover, name="distribution_handover"),
    path("<str:code>/handovers/<int:handover_id>/cancel/", views.handover_cancel_view, name="handover_cancel"),
    path("<str:code>/households/", views.distribution_households, name="distribution_households"),
    path("<str:code>/households/from-list/", views.distribution_households_list, name="distribution_households_list"),
    path("<str:code>/witnesses/", views.distribution_witness, name="distribution_witness"),
    path("<str:code>/dispatch/", views.distribution_dispatch_view, name="distribution_dispatch"),
    path("<str:code>/open/", views.distribution_open_view, name="distribution_open"),
    path("<str:code>/close/", views.distribution_close_view, name="distribution_close"),
    path("<str:code>/cards.pdf", views.distribution_cards, name="distribution_cards"),
    path("<str:code>/list.pdf", views.distribution_sheet, name="distribution_sheet"),
    path("<str:code>/reconciliation.pdf", views.reconciliation_pdf_view, name="reconciliation_pdf"),
    path("<str:code>/reconciliation.xlsx", views.reconciliation_xlsx_view, name="reconciliation_xlsx"),
    path("<str:code>/points/", offline_views.distribution_points, name="distribution_points"),
    path("<str:code>/points/bind/", offline_views.distribution_bind, name="distribution_bind"),
    path("<str:code>/points/move/", offline_views.entitlement_move_view, name="entitlement_move"),
    path("<str:code>/conflicts/", offline_views.conflict_list, name="conflict_list"),
    path(
        "<str:code>/conflicts/<int:conflict_id>/resolve/", offline_views.conflict_resolve_view, name="conflict_resolve"
    ),
]
