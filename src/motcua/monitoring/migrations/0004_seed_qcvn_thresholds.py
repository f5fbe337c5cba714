"""Seed the ambient-air limit values of QCVN 05:2023/BTNMT (Circular 01/2023/TT-BTNMT), in µg/m³.

Sure (the same since QCVN 05:2009 and QCVN 05:2013, kept in 05:2023): SO2 350 (1 h) and 125
(24 h); NO2 200 (1 h) and 100 (24 h); CO 30 000 (1 h) and 10 000 (8 h); O3 200 (1 h);
PM2.5 50 (24 h).
To check against the regulation's text before relying on them: PM10 100 (24 h; it was 150 in
QCVN 05:2013 and 05:2023 lowered it) and O3 120 (8 h, as in QCVN 05:2013).
Annual limits are not seeded: nothing evaluates yearly means. Administrators edit these rows in
the admin; rows already there are left as they are.
"""

from django.db import migrations

SOURCE = "QCVN 05:2023/BTNMT"
LIMITS = [
    ("SO2", "1h", 350),
    ("SO2", "24h", 125),
    ("NO2", "1h", 200),
    ("NO2", "24h", 100),
    ("CO", "1h", 30000),
    ("CO", "8h", 10000),
    ("O3", "1h", 200),
    ("O3", "8h", 120),
    ("PM10", "24h", 100),
    ("PM2.5", "24h", 50),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("monitoring", "Parameter")
    Threshold = apps.get_model("monitoring", "Threshold")
    parameters = {p.code: p for p in Parameter.objects.filter(code__in={c for c, _, _ in LIMITS})}
    for code, period, limit in LIMITS:
        if code in parameters:
            Threshold.objects.get_or_create(
                parameter=parameters[code],
                averaging_period=period,
                defaults={"limit_value": limit, "source": SOURCE},
            )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_aqi_thresholds_alerts")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
