"""`motcua load_demo_dossiers`: a few dozen demo dossiers in every status, moved through the back
office (dossiers/demo_data.py), once; when they were loaded before, nothing happens."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.dossiers.demo_data import DemoDataMissing, demo_dossiers_load
from motcua.dossiers.models import Status


class Command(BaseCommand):
    help = (
        "Create demo dossiers across the demo procedures and every status, moved through the "
        "back office along the published internal processes (idempotent). Needs "
        "`load_administrative_units`, `motcua demo` and `load_demo_catalog` first."
    )

    def handle(self, *args, **options):
        try:
            summary = demo_dossiers_load()
        except DemoDataMissing as error:
            raise CommandError(error.message) from error
        if not options["verbosity"]:
            return
        if summary.skipped:
            self.stdout.write("Hồ sơ mẫu: đã có từ trước, không tạo thêm.")
            return
        self.stdout.write(f"Hồ sơ mẫu: đã tạo {summary.created} hồ sơ.")
        for status in Status:
            count = summary.by_status.get(status.value, 0)
            if count:
                self.stdout.write(f"  {status.label}: {count}")
        if summary.showcase_code:
            self.stdout.write(
                f"Tra cứu thử tại {settings.SITE_URL}/tra-cuu/ với mã hồ sơ "
                f"{summary.showcase_code} và số điện thoại {summary.showcase_phone}."
            )
