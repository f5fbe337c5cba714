"""The demo reports load once, through the real services, and the demo Open311 key works."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from motcua.feedback.demo_data import DEMO_OPEN311_KEY
from motcua.feedback.models import Report, Status

pytestmark = pytest.mark.django_db


def test_demo_feedback_loads_once(administrative_units, categories, client):
    call_command("demo", verbosity=0)
    call_command("load_demo_feedback", verbosity=0)
    statuses = sorted(Report.objects.values_list("status", flat=True))
    assert statuses == sorted([Status.ANSWERED, Status.MERGED, Status.ACCEPTED, Status.RECEIVED])
    answered = Report.objects.get(status=Status.ANSWERED)
    assert answered.unit.code == "CCBVMT" and answered.published_at is not None
    call_command("load_demo_feedback", verbosity=0)
    assert Report.objects.count() == 4
    page = client.get(reverse("feedback:index")).content.decode()
    assert answered.code in page
    posted = client.post(
        reverse("feedback:open311-requests", kwargs={"fmt": "json"}),
        {
            "api_key": DEMO_OPEN311_KEY,
            "service_code": "noise",
            "lat": "11.94",
            "long": "108.45",
            "description": "Karaoke quá 22 giờ",
        },
    )
    assert posted.status_code == 200
