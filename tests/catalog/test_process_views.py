"""The staff process editor (plain and HTMX requests) and the public process API."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.accounts.models import Role
from motcua.catalog import process
from motcua.catalog.models import ProcessDefinition
from tests.catalog.factories import published_procedure
from tests.factories import AgencyFactory, StaffFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def agency():
    return AgencyFactory(code="H56.14")


@pytest.fixture
def units(agency):
    return {
        "land": UnitFactory(agency=agency, code="VPDKDD", name="Văn phòng Đăng ký đất đai"),
        "office": UnitFactory(agency=agency, code="VP", name="Văn phòng Sở"),
    }


@pytest.fixture
def procedure(agency):
    return published_procedure(code="1.012756", agency=agency, processing_time="17").procedure


@pytest.fixture
def admin(agency, units):
    return StaffFactory(agency=agency, role=Role.ADMINISTRATOR, role__unit=units["office"])


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def draft(procedure, agency):
    return process.process_definition_create(actor=None, procedure=procedure, agency=agency)


def form_data(units, **overrides):
    data = {
        "name": "Thẩm tra hồ sơ",
        "name_en": "",
        "kind": "handle",
        "unit": units["land"].pk,
        "role": "specialist",
        "duration": "8",
        "actions": ["forward", "consult"],
        "transfer_adapter": "",
        "transfer_agency": "",
    }
    return {**data, **overrides}


def revision_in(html: str) -> str:
    return re.search(r'name="revision" value="([0-9a-f]+)"', html).group(1)


def add_steps(draft, units):
    specs = [
        ("Thẩm tra hồ sơ", units["land"], Role.SPECIALIST, "8", ["forward", "consult"]),
        ("Lãnh đạo phòng duyệt", units["land"], Role.UNIT_HEAD, "4", ["forward", "return_to_step"]),
        ("Lãnh đạo Sở ký", units["office"], Role.DIRECTOR, "3", ["return_to_step", "finish"]),
    ]
    return [
        process.process_step_save(
            actor=None,
            definition=draft,
            name=name,
            kind="handle",
            unit=unit,
            role=role,
            duration=duration,
            actions=actions,
        )
        for name, unit, role, duration, actions in specs
    ]


# --- Who gets in ------------------------------------------------------------------------------


def test_only_catalog_managers_open_the_editor(client, agency, units, draft):
    # an anonymous visitor is sent to the login page
    response = client.get("/can-bo/quy-trinh/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    # a citizen and a specialist are refused in Vietnamese
    for user in (UserFactory(), StaffFactory(agency=agency, role=Role.SPECIALIST)):
        client.force_login(user)
        response = client.get("/can-bo/quy-trinh/")
        assert response.status_code == 403
        assert "không có quyền" in response.content.decode()
    # the administrator of another agency does not even see this agency's draft
    client.force_login(StaffFactory(role=Role.ADMINISTRATOR))
    assert client.get(f"/can-bo/quy-trinh/{draft.pk}/").status_code == 404
    assert client.get("/can-bo/quy-trinh/thu-tuc/1.012756/").status_code == 404


def test_the_list_shows_each_procedure_with_its_versions(admin_client, procedure, draft):
    response = admin_client.get("/can-bo/quy-trinh/", {"q": "moi truong"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "1.012756" in html and "Phiên bản 1" in html and "Bản nháp" in html
    assert "Chưa có quy trình" not in html


def test_the_list_runs_a_fixed_number_of_queries(admin_client, agency, procedure, draft):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/can-bo/quy-trinh/").status_code == 200
        return len(captured)

    # given the list of one procedure
    one = queries()
    # when three more procedures, each with a draft, are listed, then no query is added
    for _ in range(3):
        other = published_procedure(agency=agency).procedure
        process.process_definition_create(actor=None, procedure=other, agency=agency)
    assert queries() == one


def test_an_administrator_starts_a_draft_from_the_procedure_page(admin_client, procedure, agency):
    # when they open the procedure's page and create a draft with a note
    page = admin_client.get("/can-bo/quy-trinh/thu-tuc/1.012756/")
    assert "Tạo bản nháp" in page.content.decode()
    response = admin_client.post(
        "/can-bo/quy-trinh/thu-tuc/1.012756/", {"agency": agency.pk, "note": "Lần đầu"}
    )

    # then they land on the new draft's editor
    definition = ProcessDefinition.objects.get(procedure=procedure)
    assert response.status_code == 302
    assert response["Location"] == f"/can-bo/quy-trinh/{definition.pk}/"
    assert definition.note == "Lần đầu"
    # and a second draft is refused on the page, not with a 500
    again = admin_client.post("/can-bo/quy-trinh/thu-tuc/1.012756/", {"agency": agency.pk})
    assert again.status_code == 409
    assert "Đã có bản nháp" in again.content.decode()


# --- The editor -------------------------------------------------------------------------------


def test_adding_a_step_without_javascript_redirects_back(admin_client, draft, units):
    page = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/").content.decode()

    response = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/",
        {**form_data(units), "revision": revision_in(page)},
    )

    assert response.status_code == 302
    step = draft.steps.get()
    assert (step.position, step.name, step.actions) == (1, "Thẩm tra hồ sơ", ["forward", "consult"])
    assert "Đã thêm bước 1" in admin_client.get(response["Location"]).content.decode()


def test_an_htmx_change_answers_the_editor_with_the_status_and_the_focus(
    admin_client, draft, units
):
    # given a draft with three steps, open in the editor
    steps = add_steps(draft, units)
    page = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/").content.decode()
    assert "Quy trình đã đủ điều kiện để công bố" in page

    # when the last step is moved up with HTMX
    response = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/{steps[2].pk}/di-chuyen/",
        {"direction": "up", "revision": revision_in(page)},
        headers=HTMX,
    )

    # then only the editor comes back, the live region says what happened, and the focus stays
    # on the moved step's "Lên" button
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in html and "tới vị trí 2" in html
    assert re.search(rf'id="up-{steps[2].pk}"[^>]*autofocus', html)
    # and the process can no longer be published (a middle step finishes): the editor says why
    assert "Chưa công bố được" in html and "chỉ bước cuối cùng" in html


def test_bad_input_is_shown_next_to_its_field(admin_client, draft, units):
    page = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/").content.decode()

    response = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/",
        {**form_data(units, duration="1,3", actions=[]), "revision": revision_in(page)},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200  # HTMX swaps only 2xx answers
    assert 'id="step-form-errors"' in html and "nửa ngày" in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_duration"', html)
    assert 'aria-describedby="id_duration_helptext id_duration_error"' in html
    assert not draft.steps.exists()
    # without HTMX the same answer is a 400 page
    plain = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/",
        {**form_data(units, unit="999999"), "revision": revision_in(page)},
    )
    assert plain.status_code == 400 and "<html" in plain.content.decode()


def test_editing_a_step_fills_the_form_and_saves(admin_client, draft, units):
    step = add_steps(draft, units)[0]

    form = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/buoc/{step.pk}/", headers=HTMX)
    html = form.content.decode()
    assert "Sửa bước 1" in html and 'value="Thẩm tra hồ sơ"' in html
    assert re.search(r'id="id_name"[^>]*autofocus|autofocus[^>]*id="id_name"', html)

    response = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/{step.pk}/",
        {**form_data(units, duration="7,5"), "revision": revision_in(html)},
        headers=HTMX,
    )
    assert "Đã lưu bước 1" in response.content.decode()
    step.refresh_from_db()
    assert str(step.duration) == "7.5"


def test_a_stale_editor_is_told_and_shown_the_new_list(admin_client, draft, units):
    # given an editor opened before someone else deleted a step
    steps = add_steps(draft, units)
    page = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/").content.decode()
    process.process_step_delete(actor=None, step=steps[1])

    # when it deletes the first step
    response = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/{steps[0].pk}/xoa/",
        {"revision": revision_in(page)},
        headers=HTMX,
    )

    # then nothing is deleted and it sees the current list and why
    html = response.content.decode()
    assert "người khác thay đổi" in html and 'id="editor-error"' in html
    assert "Lãnh đạo phòng duyệt" not in html
    assert draft.steps.count() == 2


def test_publishing_asks_for_confirmation_then_makes_the_version_read_only(
    admin_client, draft, units
):
    add_steps(draft, units)

    # the confirmation page shows the steps and what publishing means
    confirm = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/cong-bo/").content.decode()
    assert "Xác nhận công bố" in confirm and "không sửa được nữa" in confirm

    response = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/cong-bo/", {"revision": revision_in(confirm)}
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ProcessDefinition.Status.PUBLISHED
    page = admin_client.get(response["Location"]).content.decode()
    assert "Đã công bố quy trình phiên bản 1" in page
    assert "Thêm bước" not in page and "Tạo phiên bản mới từ quy trình này" in page
    # and a late edit of the published version is refused with 409
    step = draft.steps.first()
    late = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/{step.pk}/",
        {**form_data(units), "revision": revision_in(confirm)},
    )
    assert late.status_code == 409 and "đã công bố" in late.content.decode()


def test_a_process_that_cannot_be_published_says_why_on_the_confirmation_page(
    admin_client, draft, units
):
    response = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/cong-bo/")

    html = response.content.decode()
    assert "ít nhất một bước" in html and "Xác nhận công bố" not in html


def test_a_step_of_another_definition_is_not_found(admin_client, draft, units, procedure, agency):
    other = process.process_definition_create(
        actor=None, procedure=published_procedure(agency=agency).procedure, agency=agency
    )
    step = add_steps(other, units)[0]

    response = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/buoc/{step.pk}/")

    assert response.status_code == 404


# --- The public API -------------------------------------------------------------------------


def test_the_api_gives_the_published_steps(client, draft, units, django_assert_num_queries):
    # given a published process
    add_steps(draft, units)
    process.process_definition_publish(actor=None, definition=draft)

    with django_assert_num_queries(5):
        response = client.get("/api/v1/procedures/1.012756/process")

    body = response.json()
    assert response.status_code == 200
    assert (body["procedure"], body["number"], body["agency"]["code"]) == ("1.012756", 1, "H56.14")
    assert (body["total_duration"], body["allowed_duration"]) == (15.0, 17.0)
    assert [step["role"] for step in body["steps"]] == ["specialist", "unit_head", "director"]
    assert body["steps"][0]["unit"]["code"] == "VPDKDD"
    assert body["steps"][2]["actions"] == ["return_to_step", "finish"]


def test_the_api_answers_404_without_a_published_process(client, draft):
    response = client.get("/api/v1/procedures/1.012756/process")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and "quy trình" in response.json()["message"]

    unknown_agency = client.get("/api/v1/procedures/1.012756/process", {"agency": "X.99"})
    assert unknown_agency.status_code == 404 and unknown_agency.json()["field"] == "agency"
    assert client.get("/api/v1/procedures/9.999/process").status_code == 404


def test_the_procedure_admin_page_links_to_its_processes(client, procedure):
    client.force_login(StaffFactory(is_staff=True, is_superuser=True))

    html = client.get(f"/admin/catalog/procedure/{procedure.pk}/change/").content.decode()

    assert 'href="/can-bo/quy-trinh/thu-tuc/1.012756/"' in html


def test_a_step_added_on_a_stale_list_keeps_what_was_typed(admin_client, draft, units):
    # given an editor opened before someone else added a step
    page = admin_client.get(f"/can-bo/quy-trinh/{draft.pk}/").content.decode()
    add_steps(draft, units)

    # when it adds a step
    response = admin_client.post(
        f"/can-bo/quy-trinh/{draft.pk}/buoc/",
        {**form_data(units, name="Bước gõ dở"), "revision": revision_in(page)},
        headers=HTMX,
    )

    # then nothing is added; the current list and the typed values are shown, ready to resend
    html = response.content.decode()
    assert "người khác thay đổi" in html and "Lãnh đạo Sở ký" in html
    assert 'value="Bước gõ dở"' in html and revision_in(html) != revision_in(page)
    assert draft.steps.count() == 3
