"""The second factor: once a user has a confirmed authenticator, every page and the session API need its code.

A user without a device logs in with the password alone. A user with one gives the
six-digit code at login (:class:`LoginForm`); a session that was opened with the password
only (before the device was set up, or by the admin's ``force_login``) is sent to the code
page (:class:`SecondFactorMiddleware`) and the session API answers 401 until it is verified.
API tokens are a credential of their own and are not affected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device

# Pages an unverified session may still reach: logging in, giving the code, logging out, the language switch.
_OPEN_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/accounts/verify/", "/i18n/", "/static/", "/api/")


def needs_second_factor(user: Any) -> bool:
    """Whether ``user`` is logged in with a confirmed device but has not given its code in this session."""
    if not getattr(user, "is_authenticated", False):
        return False
    verified = getattr(user, "is_verified", None)
    if verified is not None and verified():
        return False
    return user_has_device(user, confirmed=True)


def verify_code(*, user: Any, code: str) -> Device:
    """The user's confirmed device that accepts ``code`` now; each wrong try slows the next ones down."""
    code = code.strip().replace(" ", "")
    throttled = False
    for device in devices_for_user(user, confirmed=True):
        allowed, _extra = device.verify_is_allowed()
        if not allowed:
            throttled = True
        elif code and device.verify_token(code):
            return device
    if throttled:
        raise forms.ValidationError(
            _("Too many wrong codes: wait a little, then type the current code."), code="code_throttled"
        )
    raise forms.ValidationError(_("This code is wrong or expired: type the code the app shows now."), code="code_wrong")


class CodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        widget = forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"})
        super().__init__(widget=widget, **kwargs)


class LoginForm(AuthenticationForm):
    """Name and password, and the authenticator's code for those who set one up."""

    otp_token = CodeField(
        label=_("Code from the authenticator app"),
        required=False,
        help_text=_("Only if your account has an authenticator app: the six digits it shows now."),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "code_required": _("Your account is protected by an authenticator app: type the six digits it shows now."),
    }

    device: Device | None = None
    failed = False  # a wrong password or a wrong code: what the lockout counts

    def get_invalid_login_error(self) -> forms.ValidationError:
        self.failed = True
        return super().get_invalid_login_error()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        self.device = None
        if not user_has_device(user, confirmed=True):
            return
        code = self.cleaned_data.get("otp_token") or ""
        if not code.strip():
            raise forms.ValidationError(self.error_messages["code_required"], code="code_required")
        try:
            self.device = verify_code(user=user, code=code)
        except forms.ValidationError:
            # A wrong code after the right password is a failed login: the lockout counts it.
            self.failed = True
            user_login_failed.send(
                sender=type(self), credentials={"username": user.get_username()}, request=self.request
            )
            raise


class CodeForm(forms.Form):
    """The code alone, for a session opened before the device was set up."""

    otp_token = CodeField(label=_("Code from the authenticator app"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device: Device | None = None

    def clean_otp_token(self) -> str:
        code: str = self.cleaned_data["otp_token"]
        self.device = verify_code(user=self.user, code=code)
        return code


class SecondFactorMiddleware:
    """Send a session that still owes its second factor to the code page (after django_otp's OTPMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_OPEN_PREFIXES) and needs_second_factor(request.user):
            target = reverse("access:verify") + "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(target)
        return self.get_response(request)
