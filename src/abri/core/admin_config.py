"""The admin application, with Abri's admin site (optional second factor for administrators)."""

from django.contrib.admin.apps import AdminConfig


class AbriAdminConfig(AdminConfig):
    default_site = "abri.core.admin_site.AbriAdminSite"
