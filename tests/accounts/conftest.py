"""Fixtures of the accounts tests: two departments under one ministry."""

import pytest

from motcua.accounts.models import Agency, Role
from tests.factories import AgencyFactory, StaffFactory, UnitFactory


@pytest.fixture
def ministry(db):
    return AgencyFactory(
        code="BNNMT", name="Bộ Nông nghiệp và Môi trường", kind=Agency.Kind.MINISTRY
    )


@pytest.fixture
def lam_dong(ministry):
    return AgencyFactory(
        code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng", parent=ministry
    )


@pytest.fixture
def lam_dong_commune(lam_dong):
    return AgencyFactory(code="H56.24781", kind=Agency.Kind.COMMUNE, parent=lam_dong)


@pytest.fixture
def khanh_hoa(ministry):
    return AgencyFactory(
        code="H37.14", name="Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa", parent=ministry
    )


@pytest.fixture
def lam_dong_admin(lam_dong):
    return StaffFactory(agency=lam_dong, role=Role.ADMINISTRATOR)


@pytest.fixture
def lam_dong_specialist(lam_dong):
    return StaffFactory(agency=lam_dong, role=Role.SPECIALIST)


@pytest.fixture
def khanh_hoa_specialist(khanh_hoa):
    return StaffFactory(agency=khanh_hoa, role=Role.SPECIALIST)


@pytest.fixture
def ministry_admin(ministry):
    return StaffFactory(
        agency=ministry, role=Role.ADMINISTRATOR, role__unit=UnitFactory(agency=ministry)
    )


def totp_token(device) -> str:
    """The code an authenticator app shows right now for `device`."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def staff_with_two_factor(lam_dong):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = StaffFactory(agency=lam_dong, username="hai_buoc", role=Role.UNIT_HEAD)
    device = TOTPDevice.objects.create(user=user, name="Điện thoại", confirmed=True)
    return user, device
