"""`abri demo`: load the reference scenario (Ménaka NFI, Bandiagara relocation) and print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abri.registry.models import Household
from abri.synth.demo import DEMO_PASSWORD, demo_load

COUNTED = {
    "admin areas": gettext_lazy("admin areas"),
    "organisations": gettext_lazy("organisations"),
    "programmes": gettext_lazy("programmes"),
    "sites": gettext_lazy("sites"),
    "logins": gettext_lazy("logins"),
    "memberships": gettext_lazy("memberships"),
    "households": gettext_lazy("households"),
    "targeting plans": gettext_lazy("targeting plans"),
    "committee members": gettext_lazy("committee members"),
    "committee sessions": gettext_lazy("committee sessions"),
    "published lists": gettext_lazy("published lists"),
    "grievances": gettext_lazy("grievances"),
    "stock records": gettext_lazy("stock records"),
    "distributions": gettext_lazy("distributions"),
    "entitlements": gettext_lazy("entitlements"),
    "handovers": gettext_lazy("handovers"),
    "shelters": gettext_lazy("shelters"),
    "relocations": gettext_lazy("relocations"),
    "reporting profiles": gettext_lazy("reporting profiles"),
}


class Command(BaseCommand):
    help = (
        "Load the reference scenario: organisations, one login per role, the Ménaka NFI and Bandiagara "
        "shelter programmes, their sites and 395 synthetic displaced households (6 of them registered twice). "
        "Running it again keeps the data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production", action="store_true", help="load the demo even with the production settings"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith("settings_production") and not options["allow_production"]:
            raise CommandError(_("Refusing to load demo logins with the production settings (--allow-production)."))
        result = demo_load(today=timezone.localdate())
        if result.changed:
            added = ", ".join(f"{count} {COUNTED.get(name, name)}" for name, count in result.created.items() if count)
            self.stdout.write(self.style.SUCCESS(_("Demo loaded: %(added)s.") % {"added": added}))
        else:
            self.stdout.write(self.style.SUCCESS(_("Demo already loaded: data kept, nothing changed.")))
        for pcode, label in (("ML1001", "Ménaka"), ("ML0501", "Bandiagara")):
            households = Household.objects.filter(admin_area_id=pcode, organisation__acronym="IOM")
            people = sum(households.values_list("size", flat=True))
            summary = _(
                "%(area)s (%(pcode)s): %(households)d households, %(people)d people; widow-headed %(widows)d, "
                "elderly head %(elderly)d, single parent %(single)d, member with a disability %(disability)d"
            ) % {
                "area": label,
                "pcode": pcode,
                "households": households.count(),
                "people": people,
                "widows": households.filter(widow_headed=True).count(),
                "elderly": households.filter(elderly_head=True).count(),
                "single": households.filter(single_parent=True).count(),
                "disability": households.filter(member_with_disability=True).count(),
            }
            self.stdout.write(f"  {summary}")
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        width = max(len(login["username"]) for login in result.logins)
        role_width = max(len(login["role"]) for login in result.logins)
        for login in result.logins:
            self.stdout.write(
                f"  {login['username']:<{width}}  {login['role']:<{role_width}}  "
                f"{login['organisation']:<6}  {login['scope']}"
            )
