"""Fixtures of the statistics tests: a department with a child commune agency, another
province's department, their procedures and staff."""

import pytest

from motcua.accounts.models import Agency, Role
from tests.catalog.factories import published_procedure
from tests.factories import AgencyFactory, StaffFactory, UnitFactory


@pytest.fixture
def department(db):
    return AgencyFactory(
        code="H56.14",
        name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
        kind=Agency.Kind.DEPARTMENT,
    )


@pytest.fixture
def commune(department):
    return AgencyFactory(
        code="H56.24781", name="UBND phường Xuân Hương", kind=Agency.Kind.COMMUNE, parent=department
    )


@pytest.fixture
def other_department(db):
    return AgencyFactory(code="H37.14", name="Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa")


@pytest.fixture
def permit(department):
    return published_procedure(code="1.004249", name="Cấp giấy phép môi trường", agency=department)


@pytest.fixture
def land(department):
    return published_procedure(code="1.012756", name="Đăng ký đất đai lần đầu", agency=department)


@pytest.fixture
def land_unit(department):
    return UnitFactory(agency=department, code="VPDK", name="Văn phòng đăng ký đất đai")


@pytest.fixture
def environment_unit(department):
    return UnitFactory(agency=department, code="CCBVMT", name="Chi cục Bảo vệ môi trường")


@pytest.fixture
def officer(department, land_unit):
    return StaffFactory(
        agency=department, full_name="Trần Thị Bình", role=Role.SPECIALIST, role__unit=land_unit
    )


@pytest.fixture
def leader(department, land_unit):
    return StaffFactory(
        agency=department, full_name="Lê Văn Cường", role=Role.DIRECTOR, role__unit=land_unit
    )
