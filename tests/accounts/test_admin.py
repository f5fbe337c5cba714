"""Admin: agencies and units are saved through the services, so the audit log records them."""

import pytest

from motcua.accounts.models import Agency, ApiToken, Unit
from motcua.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", kind="staff", is_staff=True, is_superuser=True))
    return client


AGENCY_FORM = {
    "code": "h56.14",
    "name": "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
    "name_en": "",
    "kind": "department",
    "parent": "",
    "is_active": "on",
    "address": "",
    "province": "",
    "commune": "",
    "phone": "",
    "email": "",
    "morning_start": "07:00",
    "morning_end": "11:30",
    "afternoon_start": "13:30",
    "afternoon_end": "17:00",
}


def test_adding_and_changing_an_agency_in_admin_is_audited(superuser_client):
    response = superuser_client.post("/admin/accounts/agency/add/", AGENCY_FORM)
    assert response.status_code == 302
    agency = Agency.objects.get()
    assert agency.code == "H56.14"
    url = f"/admin/accounts/agency/{agency.pk}/change/"
    response = superuser_client.post(
        url, {**AGENCY_FORM, "code": "H56.14", "phone": "02633822222", "expected_version": 1}
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.phone, agency.version) == ("02633822222", 2)
    actions = list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True))
    assert actions == ["agency.create", "agency.update"]
    # a second editor who opened version 1 is refused with 409
    stale = superuser_client.post(
        url, {**AGENCY_FORM, "code": "H56.14", "phone": "1", "expected_version": 1}
    )
    assert stale.status_code == 409 and "người khác thay đổi" in stale.content.decode()


def test_adding_a_unit_in_admin_is_audited(superuser_client):
    from tests.factories import AgencyFactory

    agency = AgencyFactory()
    response = superuser_client.post(
        "/admin/accounts/unit/add/",
        {
            "agency": agency.pk,
            "code": "motcua",
            "name": "Bộ phận một cửa",
            "name_en": "",
            "is_one_stop_desk": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Unit.objects.get().code == "MOTCUA"
    assert AuditEntry.objects.filter(action="unit.create").exists()


def test_admin_lists_search_users_and_show_tokens_read_only(superuser_client):
    UserFactory(full_name="Trần Thị Bình", phone="0987654321")
    page = superuser_client.get("/admin/accounts/user/?q=0987654321").content.decode()
    assert "Trần Thị Bình" in page
    assert superuser_client.get("/admin/accounts/user/?kind__exact=staff").status_code == 200
    assert superuser_client.get("/admin/accounts/apitoken/add/").status_code == 403
    for url in (
        "/admin/accounts/agency/add/",
        "/admin/accounts/agencyaccessgrant/add/",
        "/admin/accounts/identityprovider/add/",
        "/admin/accounts/user/add/",
    ):
        assert superuser_client.get(url).status_code == 200
    assert not ApiToken.objects.exists()


def test_identity_provider_secret_is_kept_when_left_empty(superuser_client):
    from motcua.accounts.models import IdentityProvider

    provider = IdentityProvider.objects.create(
        name="VNeID",
        issuer_url="https://sso.vneid.example",
        client_id="motcua",
        client_secret="bi-mat",
    )
    page = superuser_client.get(
        f"/admin/accounts/identityprovider/{provider.pk}/change/"
    ).content.decode()
    assert "bi-mat" not in page
    superuser_client.post(
        f"/admin/accounts/identityprovider/{provider.pk}/change/",
        {
            "name": "VNeID",
            "issuer_url": "https://sso.vneid.example",
            "client_id": "motcua",
            "client_secret": "",
            "scopes": "openid",
            "enabled": "on",
        },
    )
    provider.refresh_from_db()
    assert (provider.client_secret, provider.enabled) == ("bi-mat", True)


def test_editing_a_user_and_their_roles_in_admin_is_audited(superuser_client, lam_dong):
    from motcua.accounts.models import Role, StaffRole, User
    from tests.factories import StaffFactory, UnitFactory

    # given a specialist of Lâm Đồng
    unit = UnitFactory(agency=lam_dong, code="VPDK")
    staff = StaffFactory(username="chuyenvien1", agency=lam_dong, full_name="Phạm Văn Dũng")
    url = f"/admin/accounts/user/{staff.pk}/change/"
    form = {
        "username": "chuyenvien1",
        "kind": "staff",
        "full_name": "Phạm Văn Dũng",
        "email": staff.email,
        "phone": "0912345678",
        "agency": lam_dong.pk,
        "preferred_language": "vi",
        "is_active": "on",
        "date_joined_0": "23/11/2026",
        "date_joined_1": "08:00:00",
        "staff_roles-TOTAL_FORMS": "1",
        "staff_roles-INITIAL_FORMS": "0",
        "staff_roles-0-unit": unit.pk,
        "staff_roles-0-role": Role.SPECIALIST,
    }
    # when an administrator changes the phone and gives a role
    response = superuser_client.post(url, form)
    # then both are saved and the audit log says who changed what (never a password)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(pk=staff.pk).phone == "0912345678"
    assert StaffRole.objects.filter(user=staff, role=Role.SPECIALIST, unit=unit).exists()
    entries = {e.action: e for e in AuditEntry.objects.filter(object_id=str(staff.pk))}
    assert entries["user.update"].changes["phone"] == "0912345678"
    assert entries["staff_role.grant"].changes == {"role": "specialist", "unit": "H56.14/VPDK"}
    # and deleting the account is audited too
    superuser_client.post(f"/admin/accounts/user/{staff.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.filter(action="user.delete", object_id=str(staff.pk)).exists()
