"""Fixtures of the feedback tests: the seeded categories, a province's environment department
with a specialist and a unit head, a routing rule, and a helper that submits a report."""

import importlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.cache import cache

from motcua.accounts.models import Role
from motcua.feedback.models import Category, Channel, RoutingRule
from motcua.feedback.services import ReportInput, report_submit
from tests.factories import AgencyFactory, StaffFactory, UnitFactory

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Ba Đình, Hà Nội: the demo's place (a real commune code, loaded with the administrative units).
COMMUNE_CODE = "00004"
POINT = (Decimal("21.035000"), Decimal("105.834000"))


def at(text: str) -> datetime:
    """ "2026-11-23 09:00" in Vietnam time."""
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM)


@pytest.fixture(autouse=True)
def _feedback_settings(settings):
    cache.clear()
    settings.FEEDBACK_CHALLENGE_MIN_SECONDS = 0
    settings.FEEDBACK_FALLBACK_AGENCY = ""


@pytest.fixture
def categories(db):
    """The categories of migration 0002 (a transactional test may have flushed them)."""
    importlib.import_module("motcua.feedback.migrations.0002_seed_categories").seed(apps, None)
    return {category.service_code: category for category in Category.objects.all()}


@pytest.fixture
def commune(administrative_units):
    from motcua.core.models import Commune

    return Commune.objects.select_related("province").get(code=COMMUNE_CODE)


@pytest.fixture
def department(db):
    return AgencyFactory(code="H01", name="Sở Nông nghiệp và Môi trường Hà Nội")


@pytest.fixture
def environment_unit(department):
    return UnitFactory(agency=department, code="CCBVMT", name="Chi cục Bảo vệ môi trường")


@pytest.fixture
def inspectorate(department):
    return UnitFactory(agency=department, code="TTRA", name="Thanh tra sở")


@pytest.fixture
def specialist(department, environment_unit):
    return StaffFactory(agency=department, role=Role.SPECIALIST, role__unit=environment_unit)


@pytest.fixture
def head(department, environment_unit):
    return StaffFactory(agency=department, role=Role.UNIT_HEAD, role__unit=environment_unit)


@pytest.fixture
def other_agency(db):
    return AgencyFactory(code="H02", name="Sở Nông nghiệp và Môi trường Hải Phòng")


@pytest.fixture
def air_rule(categories, commune, department, environment_unit):
    return RoutingRule.objects.create(
        category=categories["air"],
        province=commune.province,
        agency=department,
        unit=environment_unit,
    )


@pytest.fixture
def submit(categories, commune):
    """submit(category="air", **overrides) records a web report at the demo point."""

    def _submit(
        category="air",
        channel=Channel.WEB,
        files=(),
        user=None,
        recorded_by=None,
        now=None,
        **overrides,
    ):
        values = {
            "category": categories[category],
            "description": "Khói đen từ ống khói nhà máy suốt buổi sáng.",
            "commune": commune,
            "latitude": POINT[0],
            "longitude": POINT[1],
            "reporter_name": "Trần Thị Bình",
            "reporter_phone": "0912345678",
            **overrides,
        }
        return report_submit(
            data=ReportInput(**values),
            channel=channel,
            files=files,
            user=user,
            recorded_by=recorded_by,
            now=now,
        )

    return _submit
