"""`motcua demo`: demo agencies, units, staff (every role, and enough people for each demo
internal process to run and for least-load assignment to have a choice), citizens and an
organisation. Idempotent: what exists (by code or username) is left as it is."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from motcua.accounts.models import Agency, Role, Unit, User
from motcua.accounts.services import (
    agency_create,
    staff_create,
    staff_role_grant,
    unit_create,
    user_register,
)
from motcua.core.models import Commune, Province

DEMO_PASSWORD = "Motcua@2026"  # noqa: S105 - printed for people trying the demo

MINISTRY = {"code": "BNNMT", "name": "Bộ Nông nghiệp và Môi trường", "kind": Agency.Kind.MINISTRY}
DEPARTMENT = {
    "code": "H56.14",
    "name": "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
    "name_en": "Lam Dong Department of Agriculture and Environment",
    "kind": Agency.Kind.DEPARTMENT,
    "address": "Phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng",
}
DEPARTMENT_UNITS = [
    ("VP", "Văn phòng Sở", False),
    ("MOTCUA", "Bộ phận một cửa", True),
    ("CCBVMT", "Chi cục Bảo vệ môi trường", False),
    ("TNNKS", "Phòng Tài nguyên nước và Khoáng sản", False),
    ("VPDKDD", "Văn phòng Đăng ký đất đai", False),
    ("TTRA", "Thanh tra Sở", False),
]
COMMUNE_CODE = "24781"  # Phường Xuân Hương - Đà Lạt (Decision 19/2025/QĐ-TTg)
COMMUNE_AGENCY = {
    "code": f"H56.{COMMUNE_CODE}",
    "name": "UBND phường Xuân Hương - Đà Lạt",
    "kind": Agency.Kind.COMMUNE,
    "address": "Phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng",
}
# Units of the commune agency besides its one-stop desk: code, name.
COMMUNE_UNITS = [
    ("KT", "Phòng Kinh tế, Hạ tầng và Đô thị"),
    ("VP", "Văn phòng HĐND và UBND phường"),
]
# username, full name, role, unit code (in the department)
STAFF = [
    ("tiepnhan", "Phạm Thị Hoa", Role.RECEIVING_OFFICER, "MOTCUA"),
    ("chuyenvien", "Lê Văn Minh", Role.SPECIALIST, "VPDKDD"),
    ("truongphong", "Trần Quốc Tuấn", Role.UNIT_HEAD, "VPDKDD"),
    ("giamdoc", "Nguyễn Văn Hùng", Role.DIRECTOR, "VP"),
    ("quantri", "Đỗ Thanh Sơn", Role.ADMINISTRATOR, "VP"),
    ("quantrac", "Vũ Thị Lan", Role.MONITORING_OPERATOR, "CCBVMT"),
    # The people of the demo internal processes (catalog/demo_data.py PROCESSES).
    ("chuyenvien2", "Nguyễn Thị Thu Trang", Role.SPECIALIST, "VPDKDD"),
    ("chuyenvienmt", "Hoàng Văn Nam", Role.SPECIALIST, "CCBVMT"),
    ("truongphongmt", "Bùi Thị Mai", Role.UNIT_HEAD, "CCBVMT"),
    ("chuyenviennuoc", "Đặng Quốc Bảo", Role.SPECIALIST, "TNNKS"),
    ("truongphongnuoc", "Phan Văn Dũng", Role.UNIT_HEAD, "TNNKS"),
]
# username, full name, role, unit code (in the commune agency); the chairman signs as director.
COMMUNE_STAFF = [
    ("tiepnhanxa", "Lý Thị Hằng", Role.RECEIVING_OFFICER, "MOTCUA"),
    ("chuyenvienxa", "Trịnh Văn Long", Role.SPECIALIST, "KT"),
    ("chuthichxa", "Ngô Đức Thắng", Role.DIRECTOR, "VP"),
]
CITIZENS = [
    {
        "personal_id": "068090001234",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": date(1990, 3, 15),
        "email": "an.nguyen@example.com",
        "phone": "0912345678",
    },
    {
        "personal_id": "068195004321",
        "full_name": "Trần Thị Bình",
        "date_of_birth": date(1995, 7, 2),
        "email": "binh.tran@example.com",
        "phone": "0987654321",
    },
    {
        "personal_id": "079203001122",
        "full_name": "Lê Minh Châu",
        "date_of_birth": date(2003, 11, 20),
        "email": "chau.le@example.com",
        "phone": "0335123456",
    },
]
ORGANISATION = {
    "tax_code": "5800123456",
    "full_name": "Công ty TNHH Môi trường Xanh Lâm Đồng",
    "email": "moitruongxanh@example.com",
    "phone": "0905123456",
}


class Command(BaseCommand):
    help = "Create demo agencies, staff (one per role), citizens and an organisation (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-logins", action="store_true", help="Print the demo logins as a table."
        )
        parser.add_argument("--url", help='Print "Motcua đang chạy tại URL" first.')

    def handle(self, *args, **options):
        self.created = 0
        with transaction.atomic():
            department, commune_agency = self._agencies()
            units = self._units(department)
            self._staff(department, units, STAFF)
            self._staff(commune_agency, self._commune_units(commune_agency), COMMUNE_STAFF)
            self._citizens()
        if options["url"]:
            self.stdout.write(f"Motcua đang chạy tại {options['url']}")
        if options["print_logins"]:
            self._print_logins()
        elif options["verbosity"] >= 1:
            self.stdout.write(
                f"Dữ liệu mẫu: {Agency.objects.count()} cơ quan, {Unit.objects.count()} đơn vị, "
                f"{User.objects.count()} tài khoản (mới tạo {self.created})."
            )

    def _agency(self, values: dict, *, parent: Agency | None) -> Agency:
        existing = Agency.objects.filter(code=values["code"]).first()
        if existing is not None:
            return existing
        self.created += 1
        return agency_create(actor=None, parent=parent, **values)

    def _agencies(self) -> tuple[Agency, Agency]:
        ministry = self._agency(MINISTRY, parent=None)
        # Link the places only when the administrative units are loaded.
        province = Province.objects.filter(code="68").first()
        commune = Commune.objects.filter(code=COMMUNE_CODE).first()
        places = {"province": province, "commune": commune}
        department = self._agency({**DEPARTMENT, **places}, parent=ministry)
        commune_agency = self._agency({**COMMUNE_AGENCY, **places}, parent=department)
        if not commune_agency.units.exists():
            self.created += 1
            unit_create(
                actor=None,
                agency=commune_agency,
                code="MOTCUA",
                name="Bộ phận một cửa UBND phường",
                is_one_stop_desk=True,
            )
        return department, commune_agency

    def _commune_units(self, commune_agency: Agency) -> dict[str, Unit]:
        units = {unit.code: unit for unit in commune_agency.units.all()}
        for code, name in COMMUNE_UNITS:
            if code not in units:
                self.created += 1
                units[code] = unit_create(actor=None, agency=commune_agency, code=code, name=name)
        return units

    def _units(self, department: Agency) -> dict[str, Unit]:
        units = {}
        for code, name, one_stop in DEPARTMENT_UNITS:
            unit = Unit.objects.filter(agency=department, code=code).first()
            if unit is None:
                self.created += 1
                unit = unit_create(
                    actor=None, agency=department, code=code, name=name, is_one_stop_desk=one_stop
                )
            units[code] = unit
        return units

    def _staff(self, agency: Agency, units: dict[str, Unit], staff: list[tuple]) -> None:
        now = timezone.now()
        for username, full_name, role, unit_code in staff:
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                self.created += 1
                user = staff_create(
                    actor=None,
                    agency=agency,
                    username=username,
                    full_name=full_name,
                    password=DEMO_PASSWORD,
                    email=f"{username}@example.com",
                    is_superuser=role == Role.ADMINISTRATOR,
                    contacts_verified_at=now,
                )
                staff_role_grant(actor=None, user=user, unit=units[unit_code], role=role)

    def _citizens(self) -> None:
        now = timezone.now()
        people = [(User.Kind.CITIZEN, person["personal_id"], person) for person in CITIZENS]
        people.append((User.Kind.ORGANISATION, ORGANISATION["tax_code"], ORGANISATION))
        for kind, username, details in people:
            if User.objects.filter(username__iexact=username).exists():
                continue
            self.created += 1
            user_register(kind=kind, password=DEMO_PASSWORD, contacts_verified_at=now, **details)

    def _print_logins(self) -> None:
        rows = [(username, str(role.label)) for username, _name, role, _unit in STAFF]
        rows += [
            (username, f"{role.label} – {COMMUNE_AGENCY['name']}")
            for username, _name, role, _unit in COMMUNE_STAFF
        ]
        rows += [
            (person["personal_id"], f"Công dân – {person['full_name']}") for person in CITIZENS
        ]
        rows.append((ORGANISATION["tax_code"], f"Tổ chức – {ORGANISATION['full_name']}"))
        header = ("Tên đăng nhập", "Mật khẩu", "Vai trò")
        width = max(len(header[0]), *(len(username) for username, _role in rows))
        self.stdout.write("")
        self.stdout.write(f"{header[0]:<{width}}  {header[1]:<{len(DEMO_PASSWORD)}}  {header[2]}")
        self.stdout.write(f"{'-' * width}  {'-' * len(DEMO_PASSWORD)}  {'-' * 40}")
        for username, role in rows:
            self.stdout.write(f"{username:<{width}}  {DEMO_PASSWORD}  {role}")
        self.stdout.write("")
        self.stdout.write("Quản trị: tài khoản quantri vào được /admin/.")
