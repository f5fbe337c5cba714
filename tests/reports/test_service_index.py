"""The service-quality index of Decision 766 (SPEC §7): its practice-level indicators computed by
hand for small known sets of dossiers, the page, its Excel export and the API."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from openpyxl import load_workbook

from motcua.catalog.models import Channel
from motcua.dossiers.models import Attachment, Rating, Status
from motcua.payments.models import CASH, Payment, PaymentStatus
from motcua.reports.service_index import GROUPS, SHARE_POINTS, service_index, share_points
from motcua.results.models import Result
from tests.catalog.factories import published_procedure
from tests.factories import StaffFactory, UserFactory
from tests.reports.builders import at, dossier

PAGE = "/bao-cao/chi-so-phuc-vu/"
EXCEL = "/bao-cao/chi-so-phuc-vu/excel/"
API = "/api/v1/reports/service-index"
MARCH = {"agency": "H56.14", "from": "2026-03-01", "to": "2026-03-31"}


def _march(department):
    return service_index(agency=department, start=date(2026, 3, 1), end=date(2026, 3, 31))


def _indicator(index, key):
    return next(indicator for indicator in index.indicators if indicator.key == key)


def _attach(row, *, digitized: bool = False, reused_from: str = "") -> Attachment:
    return Attachment.objects.create(
        dossier=row,
        file=ContentFile(b"%PDF-1.4", name="giay-to.pdf"),
        original_name="giay-to.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        uploaded_by=row.created_by,
        uploaded_at=row.received_at,
        is_digitized=digitized,
        is_reused=bool(reused_from),
        reused_from=reused_from,
    )


def _pay(row, *, gateway: str, status: str = PaymentStatus.PAID) -> Payment:
    return Payment.objects.create(
        dossier=row,
        gateway=gateway,
        order_ref=f"MC{row.pk:026d}",
        amount=50000,
        status=status,
        created_at=row.received_at,
    )


def _result(row, *, sequence: int) -> Result:
    return Result.objects.create(
        dossier=row,
        agency=row.agency,
        year=2026,
        sequence=sequence,
        number=f"{sequence}/GP-STNMT",
        kind="permit",
        title="Giấy phép môi trường",
        holder_name=row.applicant_name,
        issued_at=row.finished_at,
        signer_name="Lê Văn Cường",
        signer_title="Giám đốc",
        certificate_subject="CN=Lê Văn Cường",
        certificate_issuer="CN=CA thử",
        certificate_serial="01",
        certificate_fingerprint="0" * 64,
        signature_level="PAdES-B-B",
        signed_at=row.finished_at,
        file=ContentFile(b"%PDF-1.7", name="ket-qua.pdf"),
        size=8,
        sha256=f"{sequence:064d}",
    )


@pytest.fixture
def march_dossiers(permit, officer):
    """Six dossiers received in March 2026: two online, four at the counter."""
    received, due = at(3, 2), at(3, 10)
    rows = {
        "early": dossier(
            permit,
            creator=officer,
            status=Status.DONE,
            received=received,
            due=due,
            finished=at(3, 5),
        ),
        "on_time": dossier(
            permit,
            creator=officer,
            status=Status.RETURNED,
            received=received,
            due=due,
            finished=at(3, 10, 8),
            returned_at=at(3, 11),
        ),
        "late": dossier(
            permit,
            creator=officer,
            status=Status.DONE,
            channel=Channel.COUNTER,
            received=received,
            due=due,
            finished=at(3, 12),
        ),
        "within_time": dossier(
            permit, creator=officer, channel=Channel.COUNTER, received=at(3, 3), due=at(4, 20)
        ),
        "overdue": dossier(
            permit, creator=officer, channel=Channel.COUNTER, received=at(3, 3), due=at(3, 20)
        ),
        "withdrawn": dossier(
            permit,
            creator=officer,
            status=Status.WITHDRAWN,
            channel=Channel.COUNTER,
            received=at(3, 4),
            due=at(3, 20),
            closed=at(3, 6),
        ),
    }
    return rows


def test_progress_by_hand(department, march_dossiers):
    # given early, on time, late, within time, overdue and withdrawn dossiers in March
    # when the index of March is computed
    index = _march(department)
    # then (within 1 + early 1 + on time 1 + handed back 1) / received 6 × 20
    progress = _indicator(index, "progress")
    inputs = {item.key: item.value for item in progress.inputs}
    assert inputs == {
        "within_time": 1,
        "early": 1,
        "on_time": 1,
        "handed_back": 1,
        "received": 6,
    }
    assert progress.points == round(4 / 6 * 20, 2) == 13.33
    assert progress.max_points == 20
    assert "tiếp nhận × 20" in progress.formula


def test_online_submission_share(department, march_dossiers):
    # given two of the six March dossiers submitted online
    index = _march(department)
    # then 2 / 6 of its 12 points
    online = _indicator(index, "online_submission")
    assert [item.value for item in online.inputs] == [2, 6]
    assert online.points == 4.0


def test_online_payment_counts_fee_bearing_dossiers_paid_through_a_gateway(
    department, permit, officer
):
    # given three fee-bearing dossiers (one paid online, one in cash, one paid online but
    # the payment failed) and one of a free procedure, paid online
    free = published_procedure(code="1.000001", agency=department, fee_amount=None)
    paid_online, paid_cash, failed = (
        dossier(permit, creator=officer, received=at(3, 2), due=at(3, 30)) for _ in range(3)
    )
    free_dossier = dossier(free, creator=officer, received=at(3, 2), due=at(3, 30))
    _pay(paid_online, gateway="vnpay")
    _pay(paid_cash, gateway=CASH)
    _pay(failed, gateway="vnpay", status=PaymentStatus.FAILED)
    _pay(free_dossier, gateway="vnpay")
    # when
    payment = _indicator(_march(department), "online_payment")
    # then 1 / 3 of 10 points
    assert [item.value for item in payment.inputs] == [1, 3]
    assert payment.points == 3.33


def test_digitization_reuse_results_and_satisfaction(department, permit, officer):
    # given two counter dossiers (one digitized), an online one with a reused document, two
    # handled dossiers of which one has a signed result, and two ratings (5 and 4)
    scanned = dossier(permit, creator=officer, channel=Channel.COUNTER, received=at(3, 2))
    paper = dossier(permit, creator=officer, channel=Channel.COUNTER, received=at(3, 2))
    online = dossier(permit, creator=officer, received=at(3, 2))
    _attach(scanned, digitized=True)
    _attach(paper)
    _attach(online, reused_from="KQ-2025-0001")
    done = [
        dossier(
            permit,
            creator=officer,
            status=Status.RETURNED,
            received=at(3, 2),
            due=at(3, 20),
            finished=at(3, 9),
        )
        for _ in range(2)
    ]
    _result(done[0], sequence=1)
    for row, score in zip(done, (5, 4), strict=True):
        Rating.objects.create(dossier=row, score=score, rated_at=at(3, 12))
    # when
    index = _march(department)
    # then
    digitized = _indicator(index, "digitized")
    assert [item.value for item in digitized.inputs] == [1, 2]
    assert digitized.points == 6.0
    reused = _indicator(index, "reused_data")
    assert [item.value for item in reused.inputs] == [1, 3]
    assert reused.points == 1.33
    results = _indicator(index, "electronic_results")
    assert [item.value for item in results.inputs] == [1, 2]
    assert results.points == 3.0
    satisfaction = _indicator(index, "satisfaction")
    assert [item.value for item in satisfaction.inputs] == [4.5, 2]
    assert satisfaction.points == 16.2


def test_points_split_sums_to_the_groups_of_decision_766():
    online = SHARE_POINTS["online_submission"] + SHARE_POINTS["online_payment"]
    digitization = sum(SHARE_POINTS[key] for key in ("digitized", "electronic_results"))
    assert online == GROUPS["online"][1] == 22
    assert digitization + SHARE_POINTS["reused_data"] == GROUPS["digitization"][1] == 22
    assert sum(points for _name, points in GROUPS.values()) == 100
    assert share_points(0, 0, 12) is None
    assert share_points(3, 3, 12) == 12


def test_empty_period_has_no_points(department):
    # given no dossier at all
    index = _march(department)
    # then nothing is computed and transparency is left to the evaluating agency
    assert all(indicator.points is None for indicator in index.indicators)
    assert _indicator(index, "transparency").scored_by_evaluator
    assert (index.total, index.reachable) == (None, 0)


def test_total_adds_the_computed_points(department, march_dossiers):
    index = _march(department)
    computed = [i for i in index.indicators if i.points is not None]
    # (no attachment and no rating in March: reuse and satisfaction have no data)
    assert {i.key for i in computed} == {
        "progress",
        "online_submission",
        "online_payment",
        "digitized",
        "electronic_results",
    }
    assert index.total == round(13.33 + 4.0, 2)
    assert index.reachable == 20 + 12 + 10 + 12 + 6


def test_index_reads_in_a_few_queries(department, march_dossiers, django_assert_max_num_queries):
    # the dossier statistics' own queries (and on PostgreSQL its "SET LOCAL jit = off"), then
    # one each for dossiers, attachments, ratings
    with django_assert_max_num_queries(15 if connection.vendor == "postgresql" else 14):
        _march(department)


def test_page_shows_indicators_with_formula_and_points(client, leader, march_dossiers):
    # given a director of the department
    client.force_login(leader)
    # when they open March's index
    response = client.get(PAGE, MARCH)
    # then each indicator shows its formula, inputs and points, in Vietnamese number format
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>" in html and '<th scope="row">' in html
    assert "Tiến độ, kết quả giải quyết hồ sơ" in html
    assert "13,33 / 20" in html
    assert "chấm bởi cơ quan đánh giá" in html
    assert 'id="indicator-progress"' in html
    assert (
        'href="/bao-cao/chi-so-phuc-vu/excel/?agency=H56.14&amp;from=2026-03-01&amp;to=2026-03-31"'
        in html
    )
    assert 'href="/bao-cao/chi-so-phuc-vu/" aria-current="page"' in html
    assert "style=" not in html.split("<main", 1)[1]


def test_page_of_an_empty_period_says_no_data(client, leader, department):
    client.force_login(leader)
    response = client.get(PAGE, MARCH)
    assert response.status_code == 200
    assert "không có dữ liệu" in response.content.decode()


def test_excel_has_the_same_points(client, leader, march_dossiers):
    client.force_login(leader)
    response = client.get(EXCEL, MARCH)
    assert response.status_code == 200
    assert (
        'filename="chi-so-phuc-vu-H56.14-20260301-20260331.xlsx"'
        in (response["Content-Disposition"])
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    progress = next(row for row in rows if row[1] == "Tiến độ, kết quả giải quyết hồ sơ")
    assert progress[5:] == (13.33, 20)


def test_bad_dates_give_the_field_error(client, leader, department):
    # given a leader
    client.force_login(leader)
    for url in (PAGE, EXCEL):
        # when the period starts after it ends
        response = client.get(url, {**MARCH, "from": "2026-04-01"})
        # then the page comes back with the error next to "from"
        assert response.status_code == 400
        assert 'id="id_from_error"' in response.content.decode()
    response = client.get(PAGE, {**MARCH, "to": "không phải ngày"})
    assert response.status_code == 400
    assert response.context["form"].errors["to"] == [
        "Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm."
    ]


def test_pages_are_for_staff_of_the_agency(client, department, other_department):
    client.force_login(UserFactory())
    assert client.get(PAGE, MARCH).status_code == 403
    assert client.get(EXCEL, MARCH).status_code == 403
    client.force_login(StaffFactory(agency=other_department))
    assert client.get(PAGE, MARCH).status_code == 400


def test_api_gives_each_indicator_with_inputs_formula_and_points(client, leader, march_dossiers):
    client.force_login(leader)
    response = client.get(API, MARCH)
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    progress = next(item for item in body["indicators"] if item["key"] == "progress")
    assert progress["points"] == 13.33
    assert {item["key"]: item["value"] for item in progress["inputs"]}["received"] == 6
    assert "tiếp nhận × 20" in progress["formula"]
    transparency = body["indicators"][0]
    assert (transparency["points"], transparency["scored_by_evaluator"]) == (None, True)
    assert body["reachable"] == 60


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"agency": "H99.99", "from": "2026-03-01", "to": "2026-03-31"}, 404, "agency"),
        ({"agency": "H37.14", "from": "2026-03-01", "to": "2026-03-31"}, 403, "agency"),
        ({"agency": "H56.14", "from": "2026-04-01", "to": "2026-03-31"}, 400, "from"),
        ({"agency": "H56.14", "from": "ngày", "to": "2026-03-31"}, 400, "from"),
    ],
)
def test_api_errors_as_the_dossier_statistics(
    client, leader, other_department, params, status, field
):
    client.force_login(leader)
    response = client.get(API, params)
    assert response.status_code == status
    assert response.json()["field"] == field


def test_api_is_for_staff(client, department):
    client.force_login(UserFactory())
    assert client.get(API, MARCH).status_code == 403


def test_the_index_page_offers_the_quick_periods(client, leader):
    client.force_login(leader)
    html = client.get(PAGE).content.decode()
    assert 'aria-label="Chọn nhanh kỳ báo cáo"' in html and 'aria-current="true"' in html
