"""Seed the air-quality parameters of SPEC §8 plus temperature and humidity (editable later)."""

from django.db import migrations

# code, name, name_en, unit, valid_min, valid_max, allows_negative, spike_threshold, decimals
PARAMETERS = [
    ("PM2.5", "Bụi PM2.5", "Particulate matter PM2.5", "µg/m³", 0, 1000, False, 100, 1),
    ("PM10", "Bụi PM10", "Particulate matter PM10", "µg/m³", 0, 2000, False, 200, 1),
    ("O3", "Ôzôn (O₃)", "Ozone (O₃)", "µg/m³", 0, 2000, False, 200, 1),
    ("CO", "Cacbon monoxit (CO)", "Carbon monoxide (CO)", "µg/m³", 0, 200000, False, 20000, 0),
    ("SO2", "Lưu huỳnh đioxit (SO₂)", "Sulphur dioxide (SO₂)", "µg/m³", 0, 5000, False, 300, 1),
    ("NO2", "Nitơ đioxit (NO₂)", "Nitrogen dioxide (NO₂)", "µg/m³", 0, 5000, False, 300, 1),
    ("TEMP", "Nhiệt độ không khí", "Air temperature", "°C", -20, 60, True, 10, 1),
    ("RH", "Độ ẩm tương đối", "Relative humidity", "%", 0, 100, False, 40, 0),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("monitoring", "Parameter")
    for order, row in enumerate(PARAMETERS):
        code, name, name_en, unit, low, high, negative, spike, decimals = row
        Parameter.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "unit": unit,
                "valid_min": low,
                "valid_max": high,
                "allows_negative": negative,
                "spike_threshold": spike,
                "decimal_places": decimals,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_stations_parameters_measurements")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
