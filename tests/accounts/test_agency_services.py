"""Agencies, units, staff and roles: permissions, validation, 409 on stale edits, audit."""

from datetime import time

import pytest

from motcua.accounts.models import Agency, Role, StaffRole
from motcua.accounts.services import (
    agency_create,
    agency_update,
    staff_create,
    staff_role_grant,
    staff_role_revoke,
    unit_create,
    unit_update,
)
from motcua.core.audit import ChainBreak, audit_verify
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.models import AuditEntry
from tests.factories import DEFAULT_TEST_PASSWORD, UnitFactory

pytestmark = pytest.mark.django_db


def test_agency_create_normalises_the_code_and_is_audited(ministry_admin, ministry):
    agency = agency_create(
        actor=ministry_admin,
        code=" h56.14 ",
        name="Sở NN&MT Lâm Đồng",
        kind="department",
        parent=ministry,
    )
    assert agency.code == "H56.14"
    entry = AuditEntry.objects.get(action="agency.create")
    assert (entry.actor_id, entry.object_id, entry.changes["code"]) == (
        ministry_admin.pk,
        str(agency.pk),
        "H56.14",
    )
    assert not isinstance(audit_verify(), ChainBreak)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "H56 14"}, "code"),
        ({"code": "BNNMT"}, "code"),  # taken
        ({"name": ""}, "name"),
        ({"kind": "planet"}, "kind"),
        ({"morning_start": time(12, 0)}, "morning_start"),
        ({"email": "x@"}, "email"),
    ],
)
def test_bad_agency_values_name_their_field(ministry, values, field):
    details = {"code": "H56.14", "name": "Sở", "kind": "department", "parent": ministry, **values}
    with pytest.raises(InvalidInput) as caught:
        agency_create(actor=None, **details)
    assert caught.value.field == field


def test_stale_agency_update_gets_409_and_keeps_the_first_change(lam_dong_admin, lam_dong):
    # given two administrators who opened the agency at version 1
    agency_update(
        actor=lam_dong_admin,
        agency=Agency.objects.get(pk=lam_dong.pk),
        expected_version=1,
        phone="02633822222",
    )
    # when the second one saves what they read
    with pytest.raises(Conflict) as caught:
        agency_update(
            actor=lam_dong_admin,
            agency=Agency.objects.get(pk=lam_dong.pk),
            expected_version=1,
            phone="0263000000",
        )
    # then they get 409 and the first change stays
    assert caught.value.status == 409
    lam_dong.refresh_from_db()
    assert (lam_dong.phone, lam_dong.version) == ("02633822222", 2)
    assert AuditEntry.objects.filter(action="agency.update").count() == 1
    assert AuditEntry.objects.get(action="agency.update").changes == {"phone": ["", "02633822222"]}


def test_an_agency_cannot_become_its_own_ancestor(lam_dong, lam_dong_commune):
    with pytest.raises(InvalidInput) as caught:
        agency_update(actor=None, agency=lam_dong, expected_version=1, parent=lam_dong_commune)
    assert caught.value.field == "parent"


def test_a_department_administrator_manages_only_their_department(
    lam_dong_admin, lam_dong, khanh_hoa
):
    with pytest.raises(PermissionDenied):
        agency_update(actor=lam_dong_admin, agency=khanh_hoa, expected_version=1, phone="1")
    with pytest.raises(PermissionDenied):
        unit_create(actor=lam_dong_admin, agency=khanh_hoa, code="VP", name="Văn phòng")
    with pytest.raises(PermissionDenied):
        agency_create(actor=lam_dong_admin, code="X1", name="Cơ quan mới", kind="other")
    # and in their own department they may
    unit = unit_create(actor=lam_dong_admin, agency=lam_dong, code="vp", name="Văn phòng Sở")
    assert unit.code == "VP"


def test_specialists_administer_nothing(lam_dong_specialist, lam_dong):
    with pytest.raises(PermissionDenied):
        unit_create(actor=lam_dong_specialist, agency=lam_dong, code="VP", name="Văn phòng")


def test_unit_codes_are_unique_in_an_agency_and_updates_are_versioned(lam_dong):
    unit = unit_create(
        actor=None, agency=lam_dong, code="MOTCUA", name="Bộ phận một cửa", is_one_stop_desk=True
    )
    with pytest.raises(InvalidInput) as caught:
        unit_create(actor=None, agency=lam_dong, code="motcua", name="Trùng")
    assert caught.value.field == "code"
    unit_update(actor=None, unit=unit, expected_version=1, name="Bộ phận Một cửa Sở")
    with pytest.raises(Conflict):
        unit_update(actor=None, unit=unit, expected_version=1, name="Cũ")
    assert list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True)) == [
        "unit.create",
        "unit.update",
    ]


def test_staff_create_and_role_grant_and_revoke_are_audited(lam_dong_admin, lam_dong):
    unit = UnitFactory(agency=lam_dong)
    staff = staff_create(
        actor=lam_dong_admin,
        agency=lam_dong,
        username="chuyenvien2",
        full_name="Lê Văn B",
        password=DEFAULT_TEST_PASSWORD,
        phone="0912000111",
    )
    role = staff_role_grant(actor=lam_dong_admin, user=staff, unit=unit, role=Role.SPECIALIST)
    # granting again changes nothing
    assert (
        staff_role_grant(actor=lam_dong_admin, user=staff, unit=unit, role=Role.SPECIALIST) == role
    )
    staff_role_revoke(actor=lam_dong_admin, staff_role=role)
    assert not StaffRole.objects.filter(user=staff).exists()
    actions = list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True))
    assert actions == ["staff.create", "staff_role.grant", "staff_role.revoke"]
    assert staff.check_password(DEFAULT_TEST_PASSWORD) and not staff.is_superuser


def test_roles_only_in_units_of_the_staff_members_agency(lam_dong_specialist, khanh_hoa):
    with pytest.raises(InvalidInput) as caught:
        staff_role_grant(
            actor=None,
            user=lam_dong_specialist,
            unit=UnitFactory(agency=khanh_hoa),
            role=Role.DIRECTOR,
        )
    assert caught.value.field == "unit"


def test_only_superusers_make_superusers(lam_dong_admin, lam_dong):
    with pytest.raises(PermissionDenied):
        staff_create(
            actor=lam_dong_admin,
            agency=lam_dong,
            username="root2",
            full_name="Quản trị",
            password=DEFAULT_TEST_PASSWORD,
            is_superuser=True,
        )


def test_staff_username_must_be_free_and_well_formed(lam_dong, lam_dong_specialist):
    for username, field in [
        (lam_dong_specialist.username.upper(), "username"),
        ("có dấu cách", "username"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            staff_create(
                actor=None,
                agency=lam_dong,
                username=username,
                full_name="A",
                password=DEFAULT_TEST_PASSWORD,
            )
        assert caught.value.field == field
