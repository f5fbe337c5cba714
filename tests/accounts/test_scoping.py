"""Staff of one agency never see another agency's data, unless granted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.accounts.models import AgencyAccessGrant, Role
from motcua.accounts.selectors import (
    agency_list_visible_to,
    agency_scope,
    staff_list_visible_to,
    staff_roles,
    unit_list_visible_to,
    user_has_role,
)
from motcua.accounts.services import access_grant_create, access_grant_revoke
from motcua.core.errors import InvalidInput, PermissionDenied
from motcua.core.models import AuditEntry
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_staff_see_their_agency_and_those_below_it_never_a_sibling(
    lam_dong_specialist, khanh_hoa_specialist, lam_dong_commune
):
    # given a specialist in Lâm Đồng (with a commune desk below) and one in Khánh Hòa
    UnitFactory(agency=lam_dong_commune)
    # then each sees their own department (and its commune), never the other department
    assert codes(agency_list_visible_to(user=lam_dong_specialist)) == ["H56.14", "H56.24781"]
    assert codes(agency_list_visible_to(user=khanh_hoa_specialist)) == ["H37.14"]
    assert lam_dong_specialist not in staff_list_visible_to(user=khanh_hoa_specialist)
    assert khanh_hoa_specialist not in staff_list_visible_to(user=lam_dong_specialist)
    assert {unit.agency.code for unit in unit_list_visible_to(user=khanh_hoa_specialist)} == {
        "H37.14"
    }


def test_administrators_of_the_ministry_and_superusers_see_every_agency(
    ministry_admin, lam_dong, khanh_hoa, lam_dong_admin
):
    everything = ["BNNMT", "H37.14", "H56.14"]
    assert codes(agency_scope(ministry_admin)) == everything
    superuser = UserFactory(kind="staff", is_superuser=True)
    assert codes(agency_scope(superuser)) == everything
    # while a department's administrator sees only the department
    assert codes(agency_scope(lam_dong_admin)) == ["H56.14"]


def test_citizens_see_no_agency_data(lam_dong):
    citizen = UserFactory()
    assert not agency_scope(citizen).exists()
    assert not staff_roles(citizen).exists()


def test_an_explicit_grant_opens_one_more_agency_until_revoked(
    lam_dong_admin, lam_dong, khanh_hoa, khanh_hoa_specialist, ministry_admin
):
    # given the ministry's administrator grants a Khánh Hòa specialist a look at Lâm Đồng
    grant = access_grant_create(
        actor=ministry_admin,
        user=khanh_hoa_specialist,
        agency=lam_dong,
        reason="Thanh tra liên ngành",
    )
    # then the specialist sees both departments, and the grant is in the audit log
    fresh = type(khanh_hoa_specialist).objects.get(pk=khanh_hoa_specialist.pk)
    assert codes(agency_scope(fresh)) == ["H37.14", "H56.14"]
    assert AuditEntry.objects.filter(action="access_grant.create").exists()
    # when it is revoked the view closes again
    access_grant_revoke(actor=ministry_admin, grant=grant)
    fresh = type(khanh_hoa_specialist).objects.get(pk=khanh_hoa_specialist.pk)
    assert codes(agency_scope(fresh)) == ["H37.14"]
    assert AuditEntry.objects.filter(action="access_grant.revoke").exists()


def test_an_expired_grant_opens_nothing(lam_dong, khanh_hoa_specialist):
    AgencyAccessGrant.objects.create(
        user=khanh_hoa_specialist,
        agency=lam_dong,
        reason="Hết hạn",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert codes(agency_scope(khanh_hoa_specialist)) == ["H37.14"]


def test_a_grant_lets_one_see_but_not_administer(
    lam_dong, khanh_hoa, ministry_admin, khanh_hoa_specialist
):
    # given a Khánh Hòa administrator who may look at Lâm Đồng
    from tests.factories import StaffFactory

    khanh_hoa_admin = StaffFactory(agency=khanh_hoa, role=Role.ADMINISTRATOR)
    access_grant_create(
        actor=ministry_admin, user=khanh_hoa_admin, agency=lam_dong, reason="Hỗ trợ"
    )
    # then granting roles in Lâm Đồng is still refused
    with pytest.raises(PermissionDenied):
        access_grant_create(
            actor=khanh_hoa_admin, user=khanh_hoa_specialist, agency=lam_dong, reason="Tự cấp"
        )


def test_department_administrator_cannot_grant_other_departments(
    lam_dong_admin, khanh_hoa, lam_dong_specialist
):
    with pytest.raises(PermissionDenied):
        access_grant_create(
            actor=lam_dong_admin, user=lam_dong_specialist, agency=khanh_hoa, reason="x"
        )


def test_grants_are_for_staff_and_need_a_reason(ministry_admin, lam_dong, lam_dong_specialist):
    with pytest.raises(InvalidInput) as caught:
        access_grant_create(actor=ministry_admin, user=UserFactory(), agency=lam_dong, reason="x")
    assert caught.value.field == "user"
    with pytest.raises(InvalidInput) as caught:
        access_grant_create(
            actor=ministry_admin, user=lam_dong_specialist, agency=lam_dong, reason=" "
        )
    assert caught.value.field == "reason"


def test_user_has_role_is_checked_per_agency(lam_dong_specialist, lam_dong, khanh_hoa):
    assert user_has_role(lam_dong_specialist, Role.SPECIALIST)
    assert user_has_role(lam_dong_specialist, Role.SPECIALIST, agency=lam_dong)
    assert not user_has_role(lam_dong_specialist, Role.SPECIALIST, agency=khanh_hoa)
    assert not user_has_role(lam_dong_specialist, Role.DIRECTOR)


def test_scope_lists_cost_a_fixed_number_of_queries(
    lam_dong_specialist, lam_dong, django_assert_max_num_queries
):
    for _number in range(5):
        UnitFactory(agency=lam_dong)
    fresh = type(lam_dong_specialist).objects.get(pk=lam_dong_specialist.pk)
    with django_assert_max_num_queries(8):
        list(unit_list_visible_to(user=fresh))
        list(staff_list_visible_to(user=fresh))
        list(agency_list_visible_to(user=fresh))
