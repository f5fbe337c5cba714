"""A small agency with a one-stop desk, a land registration office and a director, a procedure
with a published three-step internal process, and submitted dossiers for the back-office tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from motcua.accounts.models import Agency, Role, StaffRole, Unit, User
from motcua.catalog.models import ProcedureVersion, ProcessDefinition, ProcessStep, StepKind
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import dossier_submit
from tests.dossiers.samples import citizen, complete_draft, submission_procedure
from tests.factories import AgencyFactory, StaffFactory, UnitFactory

CHECK = ["forward", "return_to_step", "consult", "inspect", "request_supplement"]


@dataclass
class Office:
    agency: Agency
    desk: Unit
    land: Unit
    leaders: Unit
    officer: User
    specialist: User
    specialist2: User
    head: User
    director: User
    version: ProcedureVersion
    definition: ProcessDefinition
    applicant: User


def _staff(agency: Agency, unit: Unit, role: str, username: str, name: str) -> User:
    user = StaffFactory(agency=agency, username=username, full_name=name)
    StaffRole.objects.create(user=user, unit=unit, role=role)
    return user


def office(
    *,
    code: str = "H56.14",
    processing_time: str = "17",
    steps: list[tuple] | None = None,
    two_specialists: bool = True,
) -> Office:
    """Call with the administrative units loaded (the `administrative_units` fixture)."""
    agency = AgencyFactory(code=code, name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng")
    desk = UnitFactory(agency=agency, code="MOTCUA", name="Bộ phận một cửa", is_one_stop_desk=True)
    land = UnitFactory(agency=agency, code="VPDKDD", name="Văn phòng Đăng ký đất đai")
    leaders = UnitFactory(agency=agency, code="VP", name="Lãnh đạo Sở")
    officer = _staff(agency, desk, Role.RECEIVING_OFFICER, "tn", "Phạm Thị Hoa")
    specialist = _staff(agency, land, Role.SPECIALIST, "cv1", "Lê Văn Minh")
    specialist2 = (
        _staff(agency, land, Role.SPECIALIST, "cv2", "Ngô Thị Mai") if two_specialists else None
    )
    head = _staff(agency, land, Role.UNIT_HEAD, "tp", "Trần Quốc Tuấn")
    director = _staff(agency, leaders, Role.DIRECTOR, "gd", "Nguyễn Văn Hùng")
    version = submission_procedure(agency=agency, processing_time=processing_time)
    definition = ProcessDefinition.objects.create(
        procedure=version.procedure,
        agency=agency,
        number=1,
        status=ProcessDefinition.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    units = {"land": land, "leaders": leaders}
    for position, (name, unit, role, days, actions, kind, *adapter) in enumerate(
        steps
        or [
            ("Thẩm định hồ sơ", "land", Role.SPECIALIST, "10", CHECK, StepKind.HANDLE),
            (
                "Xem xét, trình ký",
                "land",
                Role.UNIT_HEAD,
                "4",
                ["forward", "return_to_step"],
                StepKind.APPROVE,
            ),
            (
                "Ký duyệt",
                "leaders",
                Role.DIRECTOR,
                "3",
                ["finish", "return_to_step"],
                StepKind.SIGN,
            ),
        ],
        start=1,
    ):
        ProcessStep.objects.create(
            definition=definition,
            position=position,
            name=name,
            kind=kind,
            unit=units[unit],
            role=role,
            duration=Decimal(days),
            actions=actions,
            transfer_adapter=adapter[0] if adapter else "",
        )
    return Office(
        agency=agency,
        desk=desk,
        land=land,
        leaders=leaders,
        officer=officer,
        specialist=specialist,
        specialist2=specialist2,
        head=head,
        director=director,
        version=version,
        definition=definition,
        applicant=citizen(full_name="Nguyễn Văn An", email="an@example.vn"),
    )


def submitted(place: Office, *, at: datetime | None = None, owner: User | None = None) -> Dossier:
    """An online dossier of `place`'s procedure, submitted (status new)."""
    owner = owner or place.applicant
    draft = complete_draft(place.version, owner)
    return dossier_submit(dossier=draft, actor=owner, submitted_at=at)
