"""Abri's admin site: staff only, and a one-time code for those who set up an authenticator.

A staff member with a confirmed TOTP device (`abri otp-setup USERNAME`) must give the
six-digit code at login; the admin refuses a session that was not verified with it.
Staff without a device log in with their password alone (the device is optional).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm


class AdminLoginForm(OTPAdminAuthenticationForm):
    """Password, then the one-time code when the user has a confirmed device."""

    def clean_otp(self, user: Any) -> None:
        if user is None or not user_has_device(user):
            return
        super().clean_otp(user)


class AbriAdminSite(AdminSite):
    site_header = _("Abri administration")
    site_title = _("Abri administration")
    index_title = _("Reference data, organisations, access and audit")
    login_form = AdminLoginForm
    login_template = "otp/admin111/login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff, verified by their device when they have one."""
        if not super().has_permission(request):
            return False
        user: Any = request.user
        return not user_has_device(user) or bool(user.is_verified())
