"""What the handover page's offline script says (assistance/static/assistance/offline.js), translated."""

from __future__ import annotations

from django.utils.translation import gettext as _


def offline_text() -> dict[str, object]:
    """What the handover page's offline script says, in the page's language."""
    return {
        "online": _("Online"),
        "offline": _("Offline"),
        "never": _("never"),
        "prepared": _("Prepared on this device: %(count)s entitlements, until %(until)s."),
        "not_prepared": _("Not prepared: with no network this page finds nothing."),
        "preparing": _("Preparing…"),
        "prepare_failed": _("The preparation failed: try again with the network."),
        "expired": _("The preparation expired: the households were wiped from this device. Prepare again."),
        "forgotten": _("The households prepared are wiped from this device."),
        "mistyped": _("The token %(token)s does not check: one character is mistyped. Read it again."),
        "none": _("No entitlement of this distribution matches."),
        "number": _("Registration number"),
        "head": _("Head of household"),
        "size": _("Household size"),
        "years": _("%(age)s years"),
        "cancelled": _("This entitlement was cancelled."),
        "already": _("Already handed over on %(at)s."),
        "already_here": _("Already handed over on this device on %(at)s. Nothing was recorded."),
        "who": _("Who receives the kit?"),
        "receiver_head": _("The head of household (identity checked)"),
        "receiver_proxy": _("A proxy"),
        "proxy_name": _("Name of the proxy"),
        "proxy_relationship": _("Relationship to the household"),
        "proxy_missing": _("A proxy gives their name and their relationship to the household."),
        "consent": _("Consents to a photo"),
        "record": _("Record the handover"),
        "recorded": _(
            "Recorded on this device: the kit of %(token)s is handed over. It is sent when the network is back."
        ),
        "send_again": _("Send again"),
        "before": _("%(count)s handed over before the preparation."),
        "login_again": _("Log in again to send the handovers waiting; they stay on this device."),
        "logout_pending": _("%(count)s handovers wait to be sent: go online and let them sync before logging out."),
        "states": {
            "waiting": _("waiting to sync"),
            "synced": _("synced"),
            "conflict": _("conflict: handed over on another device first"),
            "refused": _("refused"),
        },
    }
