"""API: bearer tokens (issue, expiry, revoke, lockout, two-factor) and /auth/me."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.accounts.auth import VerifiedSession
from motcua.accounts.models import ApiToken, Role
from motcua.accounts.selectors import api_token_hash
from motcua.core.errors import PermissionDenied
from motcua.core.models import AuditEntry
from tests.accounts.conftest import totp_token
from tests.factories import DEFAULT_TEST_PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"


def issue(client, **body):
    return client.post(TOKEN_URL, body, content_type="application/json")


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_good_credentials_get_a_short_lived_token_stored_only_as_a_hash(client, lam_dong, settings):
    # given a specialist
    staff = StaffFactory(agency=lam_dong, username="chuyenvien", role=Role.SPECIALIST)
    # when they ask for a token with e-mail and password
    response = issue(client, username=staff.email, password=DEFAULT_TEST_PASSWORD)
    # then they get a bearer token valid for API_TOKEN_TTL_SECONDS
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == settings.API_TOKEN_TTL_SECONDS
    stored = ApiToken.objects.get(user=staff)
    assert stored.key_hash == api_token_hash(body["access_token"])
    assert body["access_token"] not in stored.key_hash
    assert (
        abs((stored.expires_at - timezone.now()).total_seconds() - settings.API_TOKEN_TTL_SECONDS)
        < 5
    )
    assert AuditEntry.objects.filter(action="api_token.issue").exists()


def test_me_with_a_token_tells_name_kind_agency_and_roles(client, lam_dong):
    staff = StaffFactory(
        agency=lam_dong, username="chuyenvien", full_name="Lê Văn Minh", role=Role.SPECIALIST
    )
    token = issue(client, username="chuyenvien", password=DEFAULT_TEST_PASSWORD).json()[
        "access_token"
    ]
    response = client.get(ME_URL, **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["full_name"], body["kind"]) == (
        "chuyenvien",
        "Lê Văn Minh",
        "staff",
    )
    assert body["agency"] == {"code": "H56.14", "name": lam_dong.name}
    assert [(role["role"], role["agency"]["code"]) for role in body["roles"]] == [
        ("specialist", "H56.14")
    ]
    assert body["roles"][0]["role_label"] == "Chuyên viên"
    assert ApiToken.objects.get(user=staff).last_used_at is not None


def test_me_with_the_browser_session(client):
    citizen = UserFactory(full_name="Trần Thị Bình")
    client.force_login(citizen)
    response = client.get(ME_URL)
    assert response.status_code == 200
    assert response.json()["full_name"] == "Trần Thị Bình" and response.json()["roles"] == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer mct_not-a-token"}, {"HTTP_AUTHORIZATION": "Basic eDp5"}],
)
def test_me_without_valid_credentials_is_401_in_the_error_shape(client, headers):
    response = client.get(ME_URL, **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert "đăng nhập" in response.json()["message"]


def test_an_expired_token_no_longer_works(client):
    UserFactory(username="an")
    token = issue(client, username="an", password=DEFAULT_TEST_PASSWORD).json()["access_token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(ME_URL, **bearer(token)).status_code == 401


def test_a_revoked_token_no_longer_works(client):
    UserFactory(username="an")
    token = issue(client, username="an", password=DEFAULT_TEST_PASSWORD).json()["access_token"]
    response = client.post("/api/v1/auth/token/revoke", **bearer(token))
    assert response.status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    assert client.get(ME_URL, **bearer(token)).status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoke").exists()


def test_a_token_of_a_deactivated_user_no_longer_works(client):
    user = UserFactory(username="an")
    token = issue(client, username="an", password=DEFAULT_TEST_PASSWORD).json()["access_token"]
    user.is_active = False
    user.save()
    assert client.get(ME_URL, **bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"username": "an", "password": "sai-mat-khau"}, 401, "password"),
        ({"username": "khong-co", "password": DEFAULT_TEST_PASSWORD}, 401, "password"),
        ({"username": "an"}, 400, "password"),
        ({"username": "", "password": "x"}, 400, "username"),
    ],
)
def test_bad_credentials_answer_in_the_error_shape(client, body, status, field):
    UserFactory(username="an")
    response = issue(client, **body)
    assert response.status_code == status
    error = response.json()
    assert set(error) == {"code", "message", "field"} and error["field"] == field
    assert not ApiToken.objects.exists()


def test_five_failures_lock_the_username_out_even_with_the_right_password(client):
    UserFactory(username="an")
    statuses = [issue(client, username="an", password=f"sai-{n}").status_code for n in range(5)]
    assert statuses[:4] == [401] * 4 and statuses[4] == 429
    response = issue(client, username="an", password=DEFAULT_TEST_PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out" and "khóa" in response.json()["message"]
    assert not ApiToken.objects.exists()


def test_two_factor_users_must_send_a_valid_otp(client, staff_with_two_factor):
    user, device = staff_with_two_factor
    credentials = {"username": user.username, "password": DEFAULT_TEST_PASSWORD}
    missing = issue(client, **credentials)
    assert (missing.status_code, missing.json()["code"], missing.json()["field"]) == (
        401,
        "otp_required",
        "otp",
    )
    wrong = issue(
        client, **credentials, otp="000000" if totp_token(device) != "000000" else "111111"
    )
    assert (wrong.status_code, wrong.json()["field"]) == (401, "otp")
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    good = issue(client, **credentials, otp=totp_token(device))
    assert good.status_code == 200 and good.json()["access_token"].startswith("mct_")


def test_session_with_pending_two_factor_is_not_let_into_the_api(client, staff_with_two_factor):
    user, _device = staff_with_two_factor
    client.post("/dang-nhap/", {"username": user.username, "password": DEFAULT_TEST_PASSWORD})
    assert client.get(ME_URL).status_code == 401


def test_unsafe_session_calls_need_the_csrf_token(rf, settings):
    # given a browser POST carrying a session cookie but no CSRF token
    request = rf.post("/api/v1/something")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "session-key"
    request.user = UserFactory()
    # then the session method refuses it in Vietnamese
    with pytest.raises(PermissionDenied) as caught:
        VerifiedSession(csrf=True)(request)
    assert (caught.value.status, caught.value.code) == (403, "csrf_failed")


def test_a_call_without_session_cookie_is_not_a_csrf_error(rf):
    request = rf.post("/api/v1/something")
    request.user = UserFactory()
    assert VerifiedSession(csrf=True)(request) is None
