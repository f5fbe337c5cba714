"""`motcua load_administrative_units`: provinces, communes and the pre-2025 mapping, idempotent."""

from django.core.management.base import BaseCommand

from motcua.core.places import administrative_units_load


class Command(BaseCommand):
    help = (
        "Nạp 34 tỉnh, 3.321 xã/phường/đặc khu và bảng chuyển đổi đơn vị cũ từ gói "
        "vietnam-provinces. Không làm gì khi đã đủ; dùng --force sau khi nâng cấp gói."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="So sánh từng bản ghi và cập nhật các đơn vị đã đổi tên, loại hoặc mã.",
        )

    def handle(self, *args, force: bool = False, **options):
        summary = administrative_units_load(force=force)
        if options["verbosity"] > 0:
            self.stdout.write(str(summary))
