"""Household pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """List the households the user may see."""
    return render(request, "registry/household_list.html", {"households": []})
