"""`motcua demo`: one account per role, citizens, an organisation; running twice changes nothing."""

import pytest
from django.core.management import call_command

from motcua.accounts.models import Agency, Role, StaffRole, Unit, User
from motcua.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (Agency, Unit, User, StaffRole, AuditEntry)]


def test_demo_creates_one_account_per_role_and_is_idempotent(capsys):
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    assert set(StaffRole.objects.values_list("role", flat=True)) == set(Role.values)
    department = Agency.objects.get(code="H56.14")
    assert department.parent.kind == Agency.Kind.MINISTRY
    assert department.units.filter(is_one_stop_desk=True).count() == 1
    assert Agency.objects.filter(kind=Agency.Kind.COMMUNE, parent=department).exists()
    admin = User.objects.get(username="quantri")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == 3
    assert User.objects.filter(kind=User.Kind.ORGANISATION).count() == 1
    output = capsys.readouterr().out.strip().splitlines()
    assert len(output) == 2 and "mới tạo 0" in output[1]


def test_print_logins_shows_url_then_a_table(capsys):
    call_command("demo", "--print-logins", "--url", "http://127.0.0.1:8000")
    output = capsys.readouterr().out
    assert output.startswith("Motcua đang chạy tại http://127.0.0.1:8000")
    for username in ("tiepnhan", "chuyenvien", "truongphong", "giamdoc", "quantri", "quantrac"):
        assert username in output
    assert "Motcua@2026" in output and "Cán bộ quan trắc" in output
