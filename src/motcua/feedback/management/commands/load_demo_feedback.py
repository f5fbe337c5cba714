"""`motcua load_demo_feedback`: the demo routing rules, Open311 key and a few reports (see
feedback/demo_data.py), once; when reports exist already, nothing happens."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.feedback.demo_data import DEMO_OPEN311_KEY, DemoDataMissing, demo_feedback_load


class Command(BaseCommand):
    help = (
        "Create demo routing rules, the demo Open311 key and a few demo reports (idempotent). "
        "Needs `load_administrative_units` and `motcua demo` first."
    )

    def handle(self, *args, **options):
        try:
            summary = demo_feedback_load()
        except DemoDataMissing as error:
            raise CommandError(error.message) from error
        if not options["verbosity"]:
            return
        if summary.skipped:
            self.stdout.write("Phản ánh mẫu: đã có từ trước, không tạo thêm.")
            return
        self.stdout.write(f"Phản ánh mẫu: đã tạo {summary.created} phản ánh.")
        self.stdout.write(
            f"Theo dõi thử tại {settings.SITE_URL}/phan-anh/theo-doi/ với mã "
            f"{summary.showcase_code} và mã bí mật {summary.showcase_secret}."
        )
        self.stdout.write(f"Khóa Open311 mẫu (chỉ dùng thử): {DEMO_OPEN311_KEY}")
