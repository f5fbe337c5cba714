"""The staff workspace: its lists (reception, inbox, assignment, return, consultations) with
deadline marks, the search and its scoping, fixed query counts, the dossier page's action forms
with their errors, the 409 answer, and bulk assignment (dossiers/workspace.py,
dossiers/views_workspace.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.calendar import VIETNAM
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import (
    ApologyLetter,
    Attachment,
    AttachmentKind,
    Consultation,
    Dossier,
    FinancialObligation,
    Status,
    SupplementRequest,
)
from motcua.dossiers.services import dossier_submit
from motcua.dossiers.workspace import (
    CappedPaginator,
    DeadlineMarks,
    Mark,
    WorkspaceFilters,
    dossier_search,
    staff_holdings,
    workspace_overview,
)
from tests.dossiers.backoffice_samples import office, submitted
from tests.dossiers.samples import citizen, complete_draft, submission_procedure, upload
from tests.factories import AgencyFactory, UnitFactory

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


@pytest.fixture
def place(administrative_units):
    return office()


def act(user, dossier, action, at=None, **payload) -> Dossier:
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload, at=at)


def received(place, *, at: datetime | None = None) -> Dossier:
    """A dossier received (it is then at step 1, unassigned: the office has two specialists)."""
    return act(place.officer, submitted(place, at=at), "receive", at=at)


def codes(rows) -> list[str]:
    return [row.code for row in rows]


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def action_url(dossier: Dossier, action: str) -> str:
    return reverse("dossiers:workspace-action", args=[dossier.code, action])


def post_action(client, dossier: Dossier, action: str, data=None, *, htmx=True, **extra):
    dossier.refresh_from_db()
    body = {"version": dossier.version, **(data or {})}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(action_url(dossier, action), body, headers=headers, **extra)


def error_of(soup: BeautifulSoup, html_id: str) -> str:
    """The error shown for an input, checked to be linked to it with aria-describedby."""
    field = soup.find(id=html_id)
    assert field is not None, html_id
    described = field.get("aria-describedby", "")
    assert f"{html_id}-error" in described.split(), described
    assert field.get("aria-invalid") == "true"
    return soup.find(id=f"{html_id}-error").get_text(" ", strip=True)


# --- The lists of the workspace home ---------------------------------------------------------


def test_the_inbox_holds_what_is_assigned_to_me_or_waits_at_my_role_most_urgent_first(place):
    # given two dossiers received a day apart (step 1 due ten working days later each)
    later = received(place, at=local(2026, 11, 3, 9))
    earlier = received(place, at=local(2026, 11, 2, 9))
    # then both wait at the land office's specialist role: in both specialists' inboxes, most
    # urgent step first, and in the head's "waiting for assignment" list, not in his inbox
    for specialist in (place.specialist, place.specialist2):
        inbox = workspace_overview(user=specialist).sections["inbox"]
        assert codes(inbox.rows) == [earlier.code, later.code]
        assert inbox.count == 2
    head = workspace_overview(user=place.head).sections
    assert codes(head["assignment"].rows) == [earlier.code, later.code]
    assert head["inbox"].count == 0

    # when the head gives the later one to the first specialist
    act(place.head, later, "assign", assignee=place.specialist.pk)
    # then it leaves the second specialist's inbox and the assignment list
    assert codes(workspace_overview(user=place.specialist2).sections["inbox"].rows) == [
        earlier.code
    ]
    assert codes(workspace_overview(user=place.specialist).sections["inbox"].rows) == [
        earlier.code,
        later.code,
    ]
    assert codes(workspace_overview(user=place.head).sections["assignment"].rows) == [earlier.code]


def test_deadlines_are_marked_overdue_due_soon_or_paused(place):
    dossier = received(place, at=local(2026, 11, 2, 9))
    due = dossier.step_due_at

    def mark(now):
        return workspace_overview(user=place.specialist, now=now).sections["inbox"].rows[0]

    # a week before the step's due time: no mark; half a working day before: due soon; after
    assert mark(due - timedelta(days=7)).step_mark == Mark.ON_TRACK
    assert mark(due - timedelta(hours=3)).step_mark == Mark.DUE_SOON
    assert mark(due + timedelta(minutes=1)).step_mark == Mark.OVERDUE
    # while the applicant supplements, the clock stands still: paused, not overdue
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    act(
        place.specialist,
        dossier,
        "request_supplement",
        items=[{"name": "Bản đồ", "reason": "Thiếu dấu"}],
    )
    assert mark(due + timedelta(days=30)).step_mark == Mark.PAUSED


@given(
    due=st.integers(min_value=-30 * 24 * 60, max_value=30 * 24 * 60),
    soon=st.integers(min_value=0, max_value=4 * 24 * 60),
    paused=st.booleans(),
)
def test_a_deadline_has_exactly_one_mark(due, soon, paused):
    now = local(2026, 11, 23, 9)
    marks = DeadlineMarks(now=now, soon_until=now + timedelta(minutes=soon))
    moment = now + timedelta(minutes=due)
    mark = marks.of(moment, paused=paused)
    if paused:
        assert mark == Mark.PAUSED
    elif due < 0:
        assert mark == Mark.OVERDUE
    elif due <= soon:
        assert mark == Mark.DUE_SOON
    else:
        assert mark == Mark.ON_TRACK
    assert marks.of(None, paused=paused) == Mark.ON_TRACK


def test_reception_and_return_lists_belong_to_the_desk(place):
    # given two new dossiers and one finished
    first = submitted(place, at=local(2026, 11, 2, 8))
    second = submitted(place, at=local(2026, 11, 2, 9))
    done = received(place)
    act(place.head, done, "assign", assignee=place.specialist.pk)
    act(place.specialist, done, "forward")
    act(place.head, done, "forward")
    act(place.director, done, "finish", result_summary="GCN số 12")
    # then the officer sees the new ones oldest first, and the finished one to return
    sections = workspace_overview(user=place.officer).sections
    assert codes(sections["reception"].rows) == [first.code, second.code]
    assert codes(sections["return"].rows) == [done.code]
    assert sections["inbox"].count == 0  # a finished dossier is in its own list only
    # and a specialist has no reception or return work
    mine = workspace_overview(user=place.specialist).sections
    assert mine["reception"].count == mine["return"].count == 0


def test_a_consultation_waits_in_the_consulted_unit(place):
    dossier = received(place)
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    act(place.specialist, dossier, "consult", unit=place.leaders.pk, question="Ý kiến về ranh?")
    consultations = workspace_overview(user=place.director).sections["consultations"]
    assert [c.dossier.code for c in consultations.rows] == [dossier.code]
    assert workspace_overview(user=place.specialist).sections["consultations"].count == 0


def test_the_home_page_answers_with_a_fixed_number_of_queries(
    place, client, django_assert_num_queries
):
    client.force_login(place.specialist)
    received(place)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("dossiers:workspace")).status_code == 200
    for _number in range(12):
        received(place)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("dossiers:workspace"))
    soup = page_of(response)
    # 13 dossiers wait; the list shows the first ten and the count
    assert "(13)" in soup.find(id="inbox-title").get_text()
    assert len(soup.select("[data-rows] [data-row]")) == 10


def test_the_home_page_is_for_staff_only(place, client):
    url = reverse("dossiers:workspace")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(place.applicant)
    response = client.get(url)
    assert response.status_code == 403
    assert "chỉ dành cho cán bộ" in response.content.decode()


def test_the_home_page_shows_marks_in_words_and_links_to_notifications(place, client):
    dossier = received(place, at=local(2026, 1, 5, 9))  # long overdue by now
    client.force_login(place.specialist)
    soup = page_of(client.get(reverse("dossiers:workspace")))
    row = soup.select_one("[data-rows] [data-row]")
    assert dossier.code in row.get_text()
    assert "Quá hạn" in row.get_text()
    assert soup.find("a", string="Thông báo")["href"] == "/can-bo/thong-bao/"
    assert soup.find("dialog", id="shortcuts") is not None


# --- Search ----------------------------------------------------------------------------------


def _other_agency_dossier() -> Dossier:
    other = AgencyFactory(code="H56.99", name="Sở Nông nghiệp và Môi trường tỉnh khác")
    UnitFactory(agency=other, code="MC", name="Một cửa", is_one_stop_desk=True)
    version = submission_procedure(agency=other)
    owner = citizen(full_name="Nguyễn Văn An")
    return dossier_submit(dossier=complete_draft(version, owner), actor=owner)


def test_search_finds_by_code_prefix_name_without_diacritics_and_filters(place):
    owner = citizen(full_name="Trần Thị Bích Ngọc")
    ngoc = act(place.officer, submitted(place, owner=owner), "receive")
    an = received(place)
    new = submitted(place)
    elsewhere = _other_agency_dossier()

    def found(**filters) -> list[str]:
        return codes(dossier_search(user=place.head, filters=WorkspaceFilters(**filters)))

    assert set(found()) == {ngoc.code, an.code, new.code}  # not the other agency's
    assert elsewhere.code not in found(query="nguyen van an")
    assert found(query="bich ngoc") == [ngoc.code]
    assert found(query="BÍCH NGỌC") == [ngoc.code]
    assert found(query=ngoc.code.lower()) == [ngoc.code]
    assert set(found(query=ngoc.code[:-4])) == {ngoc.code, an.code, new.code}
    assert found(status=Status.NEW) == [new.code]
    assert set(found(unit=place.land.pk)) == {ngoc.code, an.code}
    act(place.head, an, "assign", assignee=place.specialist2.pk)
    assert found(assignee=place.specialist2.pk) == [an.code]
    today = timezone.localdate()
    assert set(found(received_from=today, received_to=today)) == {ngoc.code, an.code}
    assert found(received_to=today - timedelta(days=1)) == []


def test_links_from_the_statistics_filter_by_procedure_code_and_unassigned(place, client):
    waiting = received(place)
    assigned = act(place.head, received(place), "assign", assignee=place.specialist.pk)
    client.force_login(place.head)
    page = client.get(
        reverse("dossiers:workspace-search"),
        {"procedure": place.version.procedure.code, "assignee": "none"},
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert waiting.code in text and assigned.code not in text


def test_search_overdue_takes_running_dossiers_past_their_deadline(place):
    late = received(place, at=local(2026, 1, 5, 9))
    received(place)  # received now: within time
    overdue = dossier_search(user=place.head, filters=WorkspaceFilters(overdue=True))
    assert codes(overdue) == [late.code]


def test_search_page_has_a_fixed_number_of_queries_and_paginates(
    place, client, django_assert_num_queries
):
    client.force_login(place.head)
    url = reverse("dossiers:workspace-search")
    received(place)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"status": "processing"}).status_code == 200
    for _number in range(27):
        received(place)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url, {"status": "processing"})
    soup = page_of(response)
    assert "28 hồ sơ" in soup.find(id="results-title").get_text()
    assert len(soup.select("[data-rows] [data-row]")) == 25
    assert soup.find("a", rel="next")["href"].endswith("status=processing&page=2")


def test_a_search_counts_at_most_its_limit(place):
    for _number in range(4):
        submitted(place)
    everything = dossier_search(user=place.head, filters=WorkspaceFilters())
    paginator = CappedPaginator(everything, 2, limit=3)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (3, 2, True)
    paginator = CappedPaginator(everything, 2, limit=4)
    assert (paginator.count, paginator.capped) == (4, False)


def test_search_page_shows_bad_filters_next_to_their_field_and_ignores_them(place, client):
    received(place)
    client.force_login(place.head)
    response = client.get(
        reverse("dossiers:workspace-search"),
        {"status": "khong-co", "received_from": "31/02/2026", "q": "x" * 300},
    )
    assert response.status_code == 200
    soup = page_of(response)
    assert soup.find(id="id_status-error").get_text(strip=True)
    assert "Ngày không hợp lệ" in soup.find(id="id_received_from-error").get_text()
    assert "200" in soup.find(id="id_q-error").get_text()
    assert "1 hồ sơ" in soup.find(id="results-title").get_text()


# --- The dossier page ------------------------------------------------------------------------


def test_the_dossier_page_shows_everything_and_the_actions_allowed_now(place, client):
    dossier = submitted(place)
    client.force_login(place.officer)
    soup = page_of(client.get(reverse("dossiers:workspace-dossier", args=[dossier.code])))
    text = soup.get_text(" ", strip=True)
    assert "Nguyễn Văn An" in text
    assert "Nhà máy xử lý nước thải Phước Hòa" in text  # form data
    assert len(soup.select("#files-title + ul a[href^='/ho-so/tep/']")) == 2
    actions = {form["id"] for form in soup.select("form.action-form")}
    assert actions == {"act-receive", "act-refuse", "act-request_supplement", "act-withdraw"}
    assert soup.select_one("#act-receive input[name=version]")["value"] == str(dossier.version)
    # not received yet: no form 01
    assert not soup.find("a", string=re.compile("Mẫu 01"))
    # a specialist sees the dossier but may do nothing with it yet
    client.force_login(place.specialist)
    soup = page_of(client.get(reverse("dossiers:workspace-dossier", args=[dossier.code])))
    assert not soup.select("form.action-form")


def test_a_dossier_of_another_agency_is_not_found(place, client):
    elsewhere = _other_agency_dossier()
    client.force_login(place.officer)
    url = reverse("dossiers:workspace-dossier", args=[elsewhere.code])
    assert client.get(url).status_code == 404
    assert post_action(client, elsewhere, "receive").status_code == 404
    assert Dossier.objects.get(pk=elsewhere.pk).status == Status.NEW


def test_every_action_form_posts_through_the_whole_journey(place, client):
    """Each step posted as the page's forms post it, by the officer who sees the form."""
    dossier = submitted(place)
    document = place.version.documents.order_by("pk").first()

    def do(user, action, data=None, *, htmx=True, **extra):
        client.force_login(user)
        page = page_of(client.get(reverse("dossiers:workspace-dossier", args=[dossier.code])))
        assert page.find("form", id=f"act-{action}") is not None, action
        response = post_action(client, dossier, action, data, htmx=htmx, **extra)
        assert response.status_code in (200, 302), (action, response.content[:2000])
        dossier.refresh_from_db()
        return response

    response = do(
        place.officer,
        "request_supplement",
        {
            "item_document": [str(document.pk), "", ""],
            "item_name": ["", "", ""],
            "item_reason": ["Bản chụp mờ", "", ""],
            "note": "Nộp lại bản rõ",
        },
    )
    assert "Đã thực hiện" in response.content.decode()
    assert b"<html" not in response.content  # HTMX: the page section only
    assert SupplementRequest.objects.get(dossier=dossier).items[0]["name"] == document.name
    do(place.officer, "supplement", {"note": "Đã nộp bản rõ", "supplement_files": upload()})
    assert dossier.status == Status.NEW
    assert dossier.attachments.filter(supplement_request__isnull=False).count() == 1
    response = do(place.officer, "receive", htmx=False)
    assert response.status_code == 302
    assert dossier.status == Status.PROCESSING
    do(place.head, "assign", {"assignee": "auto"})
    assert dossier.assignee == place.specialist
    do(place.specialist, "consult", {"unit": place.leaders.pk, "question": "Ý kiến?", "days": "2"})
    do(
        place.director,
        "answer_consultation",
        {"consultation": Consultation.objects.get(dossier=dossier).pk, "answer": "Đồng ý"},
    )
    do(place.specialist, "inspect", {"findings": "Đúng hiện trạng", "date": "2026-11-02"})
    do(
        place.specialist,
        "pause",
        {"amount": "1500000", "notice_number": "TB-01", "issuer": "Chi cục Thuế"},
    )
    assert dossier.status == Status.FINANCIAL_OBLIGATION
    do(place.officer, "resume", {"payment_ref": "BL-1"})
    assert FinancialObligation.objects.get(dossier=dossier).paid_at is not None
    do(place.specialist, "forward", {"note": "Đủ điều kiện"})
    do(place.head, "return_to_step", {"step": "1", "reason": "Thiếu biên bản"})
    assert dossier.current_step.position == 1 and dossier.assignee == place.specialist
    do(place.specialist, "forward")
    do(place.head, "apologize", {"reason": "Chờ ý kiến", "new_appointment_at": "2027-03-01"})
    assert ApologyLetter.objects.filter(dossier=dossier).exists()
    do(place.head, "forward")
    do(
        place.director,
        "finish",
        {"result_summary": "GCN số 7", "result_file": upload("gcn.pdf")},
    )
    assert dossier.status == Status.DONE
    assert Attachment.objects.get(dossier=dossier, kind=AttachmentKind.RESULT).original_name == (
        "gcn.pdf"
    )
    do(place.officer, "return_result", {"method": "post", "note": "Gửi bưu điện"})
    assert dossier.status == Status.RETURNED
    # the page now links form 01, form 02 (round 1), form 04 and the control sheet
    client.force_login(place.officer)
    soup = page_of(client.get(reverse("dossiers:workspace-dossier", args=[dossier.code])))
    links = [a["href"] for a in soup.select("#legal-forms-title + ul a")]
    base = f"/can-bo/ho-so/{dossier.code}/"
    assert links == [
        f"{base}phieu/01.pdf",
        f"{base}phieu/02.pdf?lan=1",
        f"{base}phieu/04.pdf",
        f"{base}phieu-kiem-soat.pdf",
    ]
    assert not soup.select("form.action-form")


@pytest.mark.parametrize("action", ["refuse", "stop", "withdraw"])
def test_closing_actions_need_reasons_and_then_close(place, client, action):
    dossier = submitted(place) if action != "stop" else received(place)
    user = place.head if action == "stop" else place.officer
    field = "reason" if action == "withdraw" else "reasons"
    client.force_login(user)
    # without JavaScript too: the whole page comes back with the error next to the field
    for htmx in (True, False):
        response = post_action(client, dossier, action, {field: "  "}, htmx=htmx)
        assert response.status_code == 400
        assert (b"<html" in response.content) is not htmx
        assert error_of(page_of(response), f"act-{action}-{field}").startswith("Vui lòng nhập")
    response = post_action(client, dossier, action, {field: "Không thuộc thẩm quyền\nLý do 2"})
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.status in (Status.REFUSED, Status.STOPPED, Status.WITHDRAWN)


def test_errors_are_shown_next_to_the_field_they_name(place, client):
    dossier = submitted(place)
    client.force_login(place.officer)
    # a supplement row with a document but no reason, after an empty first row
    response = post_action(
        client,
        dossier,
        "request_supplement",
        {
            "item_document": ["", str(place.version.documents.first().pk)],
            "item_name": ["", ""],
            "item_reason": ["", ""],
            "note": "Ghi chú vẫn còn",
        },
    )
    assert response.status_code == 400
    soup = page_of(response)
    assert "lý do" in error_of(soup, "act-request_supplement-items-1-reason")
    assert soup.find(id="act-request_supplement-note").get_text() == "Ghi chú vẫn còn"
    assert soup.find("details", class_="action-details", open=True) is not None
    # nothing listed at all: the error is on the group
    response = post_action(client, dossier, "request_supplement", {"note": "x"})
    soup = page_of(response)
    group = soup.find("fieldset", class_="supplement-items")
    assert group["aria-describedby"] == "act-request_supplement-items-error"
    assert "ít nhất một" in soup.find(id="act-request_supplement-items-error").get_text()

    # the head picks someone who does not hold the step's role
    dossier = received(place)
    client.force_login(place.head)
    response = post_action(client, dossier, "assign", {"assignee": str(place.director.pk)})
    assert response.status_code == 400
    assert "không đảm nhận" in error_of(page_of(response), "act-assign-assignee")
    # a consultation with too long a deadline
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    client.force_login(place.specialist)
    response = post_action(
        client, dossier, "consult", {"unit": place.leaders.pk, "question": "?", "days": "90"}
    )
    assert "60" in error_of(page_of(response), "act-consult-days")


def test_an_action_of_someone_else_is_refused_with_the_reason_on_the_form(place, client):
    dossier = received(place)
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    client.force_login(place.specialist2)
    # the page offers him nothing; a forged post is refused (403) and the page says why
    response = post_action(client, dossier, "forward")
    assert response.status_code == 403
    soup = page_of(response)
    assert "không do bạn xử lý" in soup.get_text()
    dossier.refresh_from_db()
    assert dossier.current_step.position == 1


def test_a_stale_version_answers_409_with_the_fresh_state(place, client):
    dossier = submitted(place)
    seen = dossier.version
    client.force_login(place.officer)
    act(place.officer, dossier, "receive")  # someone else at the desk, first
    response = client.post(
        action_url(dossier, "refuse"),
        {"version": seen, "reasons": "Không thuộc thẩm quyền"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    soup = page_of(response)
    assert "Hồ sơ vừa được người khác xử lý" in soup.select_one(".alert-error").get_text()
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert "Đang xử lý" in soup.find("h1").get_text()
    assert not soup.find("form", id="act-refuse")  # no longer offered


def test_a_missing_version_or_unknown_action_is_a_400_not_a_500(place, client):
    dossier = submitted(place)
    client.force_login(place.officer)
    response = client.post(action_url(dossier, "receive"), {}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "phiên bản" in response.content.decode()
    response = post_action(client, dossier, "fly")
    assert response.status_code == 400
    assert client.get(action_url(dossier, "receive")).status_code == 405


# --- Bulk assignment -------------------------------------------------------------------------


def test_a_head_assigns_several_dossiers_and_each_failure_is_reported(place, client):
    first, second, third = received(place), received(place), received(place)
    act(place.head, third, "assign", assignee=place.specialist2.pk)
    elsewhere = _other_agency_dossier()
    client.force_login(place.head)
    url = reverse("dossiers:workspace-search") + "?status=processing"
    page = page_of(client.get(url))
    options = [o["value"] for o in page.select("#bulk-assignee option")]
    assert options[:2] == ["", "auto"] and str(place.specialist2.pk) in options
    response = client.post(
        url,
        {
            "codes": [first.code, second.code, third.code, elsewhere.code],
            "assignee": str(place.specialist2.pk),
        },
        follow=True,
    )
    assert response.redirect_chain == [(url, 302)]
    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == "Đã phân công 2 hồ sơ."
    assert any(third.code in m and "đã được giao" in m for m in messages)
    assert any(elsewhere.code in m and "Không tìm thấy" in m for m in messages)
    assert set(
        Dossier.objects.filter(assignee=place.specialist2).values_list("code", flat=True)
    ) == {
        first.code,
        second.code,
        third.code,
    }


def test_bulk_assignment_needs_dossiers_and_an_assignee_and_a_head(place, client):
    received(place)
    url = reverse("dossiers:workspace-search")
    client.force_login(place.head)
    response = client.post(url, {"assignee": ""})
    assert response.status_code == 400
    soup = page_of(response)
    assert "ít nhất một" in soup.find(id="bulk-codes-error").get_text()
    assert "Hãy chọn cán bộ" in soup.find(id="bulk-assignee-error").get_text()
    client.force_login(place.specialist)
    assert client.post(url, {"codes": ["x"], "assignee": "auto"}).status_code == 403
    assert staff_holdings(user=place.specialist).can_assign is False
