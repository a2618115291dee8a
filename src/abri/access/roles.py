"""What each role may do. Deny by default: a permission not listed for a role is refused.

Permissions are named ``<app>.<verb>_<thing>``. Scope (organisation × admin areas ×
programmes) is applied on top, by `abri.access.selectors`.
"""

from __future__ import annotations

from abri.access.models import Role, SharingLevel

VIEW_HOUSEHOLD = "registry.view_household"
CHANGE_HOUSEHOLD = "registry.change_household"
VIEW_PERSONAL_DATA = "registry.view_personal_data"  # names, phone, identity numbers in clear
EXPORT_PERSONAL_DATA = "registry.export_personal_data"
ERASE_PERSONAL_DATA = "registry.erase_personal_data"  # a person's request: names, numbers, exact dates removed
IMPORT_REGISTRATIONS = "intake.import_registrations"
REVIEW_DUPLICATES = "dedup.review_duplicates"
DEDUPE_FILES = "dedup.dedupe_files"
VIEW_AUDIT = "core.view_audit"
MANAGE_ACCESS = "access.manage_access"
MANAGE_SITES = "geo.manage_sites"
VIEW_TARGETING = "targeting.view_targeting"  # plans, scores, committee work, published lists
MANAGE_PLANS = "targeting.manage_plans"  # criteria, quota, runs
RECORD_DECISIONS = "targeting.record_decisions"  # committee members, sessions, decisions, validation, publishing
VIEW_GRIEVANCES = "grievances.view_grievances"
MANAGE_GRIEVANCES = "grievances.manage_grievances"  # receive, review, answer, close, send back to the committee
VIEW_SENSITIVE_GRIEVANCES = "grievances.view_sensitive_grievances"  # staff conduct, sexual exploitation and abuse
VIEW_STOCK = "stock.view_stock"
MOVE_STOCK = "stock.move_stock"  # receipts, dispatches, transfers, losses, adjustments
VIEW_DISTRIBUTIONS = "assistance.view_distributions"
MANAGE_DISTRIBUTIONS = "assistance.manage_distributions"  # plan, open, close; households and witnesses
RECORD_HANDOVERS = "assistance.record_handovers"
VIEW_SHELTER = "shelter.view_shelter"  # site plans, occupancy, shelter units and their allocation
MANAGE_SHELTER = "shelter.manage_shelter"  # plots, services, headcounts, units, lifecycle, materials, allocation
RELOCATE_HOUSEHOLDS = "shelter.relocate_households"  # move a group of households from one site to another
VIEW_REPORTS = "reporting.view_reports"  # 5W, indicators, the operation dashboard, their exports (aggregates only)
IMPORT_ACTIVITIES = "reporting.import_activities"  # partners' own 5W rows
VIEW_AGREEMENTS = "access.view_agreements"  # the data sharing agreements of one's organisation, either side
MANAGE_AGREEMENTS = "access.manage_agreements"  # record and revoke what one's organisation shares

_READ = {VIEW_HOUSEHOLD, VIEW_PERSONAL_DATA}
_ASSISTANCE = {VIEW_STOCK, MOVE_STOCK, VIEW_DISTRIBUTIONS, MANAGE_DISTRIBUTIONS, RECORD_HANDOVERS}
_SHELTER = {VIEW_SHELTER, MANAGE_SHELTER, RELOCATE_HOUSEHOLDS}

# What a merge of two households needs on both. A merge is a change to two households (members
# move, one is closed) and a duplicate-review decision (it judges people to be the same and closes
# their candidate pairs): holding one of the two rights must not let someone do the other's work
# through a merge. Registration officers and administrators hold both; an information management
# officer (review only) or a clerk without review rights cannot merge. Named here, with the roles,
# because the household page (registry) offers the merge that dedup carries out.
MERGE_HOUSEHOLDS = (CHANGE_HOUSEHOLD, REVIEW_DUPLICATES)

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset(
        _READ
        | {
            CHANGE_HOUSEHOLD,
            EXPORT_PERSONAL_DATA,
            ERASE_PERSONAL_DATA,
            IMPORT_REGISTRATIONS,
            REVIEW_DUPLICATES,
            DEDUPE_FILES,
            VIEW_AUDIT,
            MANAGE_ACCESS,
            MANAGE_SITES,
            VIEW_TARGETING,
            MANAGE_PLANS,
            RECORD_DECISIONS,
            VIEW_GRIEVANCES,
            MANAGE_GRIEVANCES,
            VIEW_SENSITIVE_GRIEVANCES,
            VIEW_REPORTS,
            IMPORT_ACTIVITIES,
            VIEW_AGREEMENTS,
            MANAGE_AGREEMENTS,
        }
        | _ASSISTANCE
        | _SHELTER
    ),
    Role.REGISTRATION_OFFICER: frozenset(_READ | {CHANGE_HOUSEHOLD, IMPORT_REGISTRATIONS, REVIEW_DUPLICATES}),
    Role.TARGETING_OFFICER: frozenset(_READ | {VIEW_TARGETING, MANAGE_PLANS, VIEW_GRIEVANCES}),
    Role.COMMITTEE_SECRETARY: frozenset(_READ | {VIEW_TARGETING, RECORD_DECISIONS, VIEW_GRIEVANCES, MANAGE_GRIEVANCES}),
    Role.DISTRIBUTION_OFFICER: frozenset(
        _READ | {VIEW_TARGETING, VIEW_STOCK, VIEW_DISTRIBUTIONS, MANAGE_DISTRIBUTIONS, RECORD_HANDOVERS, VIEW_REPORTS}
    ),
    Role.WAREHOUSE_OFFICER: frozenset({VIEW_STOCK, MOVE_STOCK, VIEW_DISTRIBUTIONS}),
    Role.SHELTER_OFFICER: frozenset(_READ | {MANAGE_SITES, VIEW_STOCK} | _SHELTER),
    Role.INFORMATION_MANAGEMENT_OFFICER: frozenset(
        _READ
        | {
            EXPORT_PERSONAL_DATA,
            IMPORT_REGISTRATIONS,
            REVIEW_DUPLICATES,
            DEDUPE_FILES,
            MANAGE_SITES,
            VIEW_TARGETING,
            VIEW_GRIEVANCES,
            VIEW_REPORTS,
            IMPORT_ACTIVITIES,
            VIEW_AGREEMENTS,
        }
        | {VIEW_STOCK, VIEW_DISTRIBUTIONS, VIEW_SHELTER}
    ),
    Role.PARTNER_VIEWER: frozenset({VIEW_HOUSEHOLD, VIEW_AGREEMENTS}),
    Role.AUDITOR: frozenset(
        {
            VIEW_HOUSEHOLD,
            VIEW_AUDIT,
            VIEW_TARGETING,
            VIEW_GRIEVANCES,
            VIEW_STOCK,
            VIEW_DISTRIBUTIONS,
            VIEW_SHELTER,
            VIEW_REPORTS,
            VIEW_AGREEMENTS,
        }
    ),
}

# Data sharing agreements (`abri.access.models.DataSharingAgreement`). What each level lets the
# receiving organisation do on the providing organisation's records: read only, never change,
# import, export, review duplicates, target or distribute.
# - figures: what a partner viewer holds, the households and their counts, every personal field
#   masked (the dashboard's figures, the household list, a household's page without a name);
# - personal: the same and the personal fields in clear (`registry.view_personal_data`), for the
#   purpose the agreement states. Handing over at a distribution point needs neither: the
#   distribution's implementing partner sees what the handover needs through the distribution.
SHARED_PERMISSIONS: dict[str, frozenset[str]] = {
    SharingLevel.FIGURES: frozenset({VIEW_HOUSEHOLD}),
    SharingLevel.PERSONAL: frozenset({VIEW_HOUSEHOLD, VIEW_PERSONAL_DATA}),
}

# The roles of the receiving organisation whose members read what an agreement shares: those
# whose work is reading and counting (partner viewers, information management officers). A
# member receives the intersection of their role's permissions and the level's, over the
# intersection of their membership's areas and programmes and the agreement's: a partner viewer
# under a "personal" agreement still sees no name. Officers who act on records (registration,
# targeting, committee, distribution, warehouse, shelter), administrators and auditors act on
# their own organisation's records only.
RECEIVING_ROLES: frozenset[str] = frozenset({Role.PARTNER_VIEWER, Role.INFORMATION_MANAGEMENT_OFFICER})


def role_allows(role: str, permission: str) -> bool:
    """Whether ``role`` carries ``permission``."""
    return permission in PERMISSIONS.get(role, frozenset())
