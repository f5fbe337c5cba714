"""Browser test: a specialist of another agency answers a liên thông request on
/can-bo/lien-thong/ without leaving the page (htmx), under the strict CSP."""

import pytest
from django.conf import settings
from django.test import Client

from motcua.catalog.models import ProcessStep
from motcua.dossiers.models import Dossier
from motcua.integrations.models import InterAgencyTransfer
from motcua.integrations.tasks import transfer_send
from tests.factories import AgencyFactory, Role, StaffFactory, UnitFactory
from tests.integrations.conftest import act, at_first_step, transfer_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_the_target_agency_answers_a_request_in_place(page, live_server, administrative_units):
    # Given a land dossier transferred to the forestry agency, whose specialist is logged in
    place = transfer_office("motcua")
    forestry = AgencyFactory(code="H56.20", name="Chi cục Kiểm lâm tỉnh Lâm Đồng")
    ProcessStep.objects.filter(definition=place.definition, position=1).update(
        transfer_agency=forestry
    )
    unit = UnitFactory(agency=forestry, code="QLBVR", name="Phòng Quản lý bảo vệ rừng")
    ranger = StaffFactory(agency=forestry, role=Role.SPECIALIST, role__unit=unit)
    dossier = at_first_step(place)
    act(place.specialist, dossier, "transfer")
    transfer_send.call(InterAgencyTransfer.objects.get(dossier=dossier).pk)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    _log_in(page, live_server, ranger)

    # When they open the page, send an empty answer, then a real one
    page.goto("/can-bo/lien-thong/")
    request = page.locator(f"#transfer-in-{dossier.transfers.get().pk}")
    request.get_by_role("button", name="Gửi trả lời").click()
    request.get_by_text("Vui lòng nhập nội dung trả lời.").wait_for()
    assert request.get_by_label("Nội dung trả lời").get_attribute("aria-invalid") == "true"
    request.get_by_label("Nội dung trả lời").fill("Thửa đất không thuộc quy hoạch ba loại rừng.")
    request.get_by_role("button", name="Gửi trả lời").click()

    # Then the request shows the answer in place, and the dossier goes on at its agency
    request.get_by_text("Thửa đất không thuộc quy hoạch ba loại rừng.").wait_for()
    assert page.url.endswith("/can-bo/lien-thong/")
    assert Dossier.objects.get(pk=dossier.pk).waiting_on == ""
    assert not errors
