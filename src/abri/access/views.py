"""Logging in: the password, then the authenticator's code for the accounts that have one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from abri.access.lockout import forget_device, is_known_device, remember_device
from abri.access.second_factor import CodeForm, LoginForm, needs_second_factor


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "access/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if form.device is not None:  # after login(), which starts a new session
            otp_login(self.request, form.device)
        remember_device(response, username=form.get_user().get_username())
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.failed and is_known_device(self.request):
            forget_device(response)  # a known browser's pass is good for one wrong try
        return response


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return "/"
    return target


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code page for a session opened with the password alone."""
    if not needs_second_factor(request.user):
        return HttpResponseRedirect(_next(request))
    form = CodeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        assert form.device is not None
        otp_login(request, form.device)
        return HttpResponseRedirect(_next(request))
    return render(request, "access/verify.html", {"form": form, "next": _next(request)})
