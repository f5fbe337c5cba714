"""The report categories of the issue; administrators edit them afterwards."""

from django.db import migrations

CATEGORIES = [
    (
        "air",
        "Ô nhiễm không khí",
        "Air pollution",
        "environment",
        "khói, bụi, mùi hôi, khí thải",
        "Khói, bụi, mùi, khí thải từ nhà máy, công trình, phương tiện.",
    ),
    (
        "water",
        "Ô nhiễm nguồn nước",
        "Water pollution",
        "environment",
        "nước thải, sông, kênh, ao hồ",
        "Xả nước thải, nước sông, hồ, kênh bị ô nhiễm.",
    ),
    (
        "noise",
        "Tiếng ồn",
        "Noise",
        "environment",
        "tiếng ồn, rung",
        "Tiếng ồn, độ rung vượt mức cho phép.",
    ),
    (
        "solid_waste",
        "Chất thải rắn",
        "Solid waste",
        "environment",
        "rác thải, bãi rác, đổ trộm",
        "Rác thải sinh hoạt, chất thải xây dựng, đổ trộm rác.",
    ),
    (
        "hazardous_waste",
        "Chất thải nguy hại",
        "Hazardous waste",
        "environment",
        "chất thải nguy hại, hóa chất",
        "Hóa chất, dầu thải, chất thải y tế, chất thải nguy hại.",
    ),
    (
        "land_encroachment",
        "Lấn chiếm đất đai",
        "Land encroachment",
        "land",
        "lấn chiếm, chiếm đất",
        "Lấn, chiếm đất công, đất của người khác.",
    ),
    (
        "land_use_change",
        "Chuyển mục đích sử dụng đất trái phép",
        "Illegal land-use change",
        "land",
        "xây dựng trái phép, chuyển mục đích",
        "Xây dựng, sử dụng đất sai mục đích.",
    ),
    (
        "illegal_mining",
        "Khai thác khoáng sản trái phép",
        "Illegal mining",
        "minerals",
        "cát, sỏi, khoáng sản",
        "Khai thác cát, sỏi, đất, đá, khoáng sản không phép.",
    ),
    (
        "misconduct",
        "Tiêu cực, nhũng nhiễu của cán bộ",
        "Misconduct of officials",
        "conduct",
        "cán bộ, nhũng nhiễu, tiêu cực",
        "Cán bộ gây phiền hà, nhũng nhiễu, tiêu cực.",
    ),
    ("other", "Khác", "Other", "other", "", "Phản ánh, kiến nghị khác."),
]


def seed(apps, schema_editor):
    Category = apps.get_model("feedback", "Category")
    for order, (code, name, name_en, group, keywords, description) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            service_code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "group": group,
                "keywords": keywords,
                "description": description,
                "order": order,
                "deadline_days": 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_reports_and_routing")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
