"""``{{ phone|phone }}``: a stored phone (+22376123456) as a person reads it (+223 76 12 34 56)."""

from __future__ import annotations

from django import template

from abri.registry.normalise import phone_shown

register = template.Library()


@register.filter(name="phone")
def phone(value: object) -> str:
    return phone_shown(str(value))
