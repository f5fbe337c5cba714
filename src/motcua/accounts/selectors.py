"""Reads of accounts, already filtered to what the asking user may see.

Scoping rule: staff see their own agency and the agencies under it, plus agencies granted to
them explicitly (AgencyAccessGrant); superusers and administrators of a ministry see all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp import user_has_device

from motcua.accounts.models import (
    Agency,
    AgencyAccessGrant,
    ApiToken,
    IdentityProvider,
    Role,
    StaffRole,
    Unit,
    User,
)

# Per-request memo on the user object: scoping is asked several times while rendering a page.
_SCOPE_CACHE_ATTRIBUTE = "_motcua_agency_scope_ids"


def is_staff_user(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.kind == User.Kind.STAFF or user.is_superuser)
    )


def staff_roles(user) -> QuerySet[StaffRole]:
    """The roles `user` holds, with their units and agencies."""
    if not is_staff_user(user):
        return StaffRole.objects.none()
    return (
        StaffRole.objects.filter(user=user, unit__is_active=True)
        .select_related("unit", "unit__agency")
        .order_by("unit__agency__code", "unit__code", "role")
    )


def user_has_role(user, role: str, agency: Agency | None = None) -> bool:
    """True when `user` holds `role` in a unit of `agency` (in any unit when agency is None)."""
    roles = staff_roles(user).filter(role=role)
    if agency is not None:
        roles = roles.filter(unit__agency=agency)
    return roles.exists()


def sees_all_agencies(user) -> bool:
    """Superusers and administrators of a ministry see every agency's data."""
    if not is_staff_user(user):
        return False
    return user.is_superuser or (
        staff_roles(user)
        .filter(role=Role.ADMINISTRATOR, unit__agency__kind=Agency.Kind.MINISTRY)
        .exists()
    )


def agency_with_descendant_ids(agency_ids: Iterable[int]) -> set[int]:
    """The given agencies and every agency below them (the tree is a few levels deep)."""
    found = {agency_id for agency_id in agency_ids if agency_id}
    frontier = set(found)
    while frontier:
        frontier = set(
            Agency.objects.filter(parent_id__in=frontier)
            .exclude(id__in=found)
            .values_list("id", flat=True)
        )
        found |= frontier
    return found


def agency_scope_ids(user) -> frozenset[int] | None:
    """Ids of the agencies whose data `user` may see; None means every agency."""
    if not is_staff_user(user):
        return frozenset()
    cached = getattr(user, _SCOPE_CACHE_ATTRIBUTE, False)
    if cached is not False:
        return cached
    if sees_all_agencies(user):
        scope = None
    else:
        roots = {user.agency_id}
        roots |= set(staff_roles(user).values_list("unit__agency_id", flat=True))
        now = timezone.now()
        roots |= set(
            AgencyAccessGrant.objects.filter(user=user)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .values_list("agency_id", flat=True)
        )
        scope = frozenset(agency_with_descendant_ids(roots))
    setattr(user, _SCOPE_CACHE_ATTRIBUTE, scope)
    return scope


def agency_scope(user) -> QuerySet[Agency]:
    """The agencies whose data `user` may see."""
    scope = agency_scope_ids(user)
    agencies = Agency.objects.all()
    return agencies if scope is None else agencies.filter(id__in=scope)


def agency_in_scope(user, agency: Agency) -> bool:
    scope = agency_scope_ids(user)
    return scope is None or agency.pk in scope


def agency_list_visible_to(*, user) -> QuerySet[Agency]:
    return agency_scope(user).select_related("parent").order_by("code")


def unit_list_visible_to(*, user) -> QuerySet[Unit]:
    scope = agency_scope_ids(user)
    units = Unit.objects.select_related("agency")
    return units if scope is None else units.filter(agency_id__in=scope)


def staff_list_visible_to(*, user) -> QuerySet[User]:
    scope = agency_scope_ids(user)
    staff = User.objects.filter(kind=User.Kind.STAFF).select_related("agency")
    return staff if scope is None else staff.filter(agency_id__in=scope)


def api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_active(*, raw: str) -> ApiToken | None:
    """The live token whose SHA-256 matches `raw`, with its active user; None otherwise."""
    if not raw or len(raw) > 200:
        return None
    return (
        ApiToken.objects.select_related("user", "user__agency")
        .filter(
            key_hash=api_token_hash(raw),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def identity_provider_enabled() -> IdentityProvider | None:
    """The OpenID Connect provider offered on the login page, if an administrator enabled one."""
    return IdentityProvider.objects.filter(enabled=True).order_by("pk").first()


def user_has_two_factor(user) -> bool:
    return bool(user is not None and user.is_authenticated and user_has_device(user))


def agency_administrable_ids(user) -> frozenset[int] | None:
    """Ids of the agencies `user` may manage (None: all). Access grants let one see, not manage."""
    if not is_staff_user(user):
        return frozenset()
    if sees_all_agencies(user):
        return None
    roots = (
        staff_roles(user).filter(role=Role.ADMINISTRATOR).values_list("unit__agency_id", flat=True)
    )
    return frozenset(agency_with_descendant_ids(roots))


def user_can_administer(user, agency: Agency | None) -> bool:
    """True when `user` may manage `agency`; top-level agencies (None) need sees_all_agencies."""
    manageable = agency_administrable_ids(user)
    if manageable is None:
        return True
    return agency is not None and agency.pk in manageable
