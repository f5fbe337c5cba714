"""Account pages: login (errors, lockout, landing page), registration, verification, profile,
password reset, two-factor and the VNeID entry."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from motcua.accounts.models import IdentityProvider, Role, User, VerificationCode
from motcua.core.models import AuditEntry, Commune, Province
from tests.accounts.conftest import totp_token
from tests.factories import DEFAULT_TEST_PASSWORD, StaffFactory, UserFactory
from tests.notifications.outbox import SmsOutbox, emails_sent

pytestmark = pytest.mark.django_db

LOGIN = "/dang-nhap/"


def login(client, username, password=DEFAULT_TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


# --- login ------------------------------------------------------------------------------------


def test_login_page_has_labelled_fields_and_no_vneid_button_without_a_provider(client):
    page = client.get(LOGIN).content.decode()
    assert '<label for="id_username">Tên đăng nhập</label>' in page
    assert '<label for="id_password">Mật khẩu</label>' in page
    assert "VNeID" not in page


def test_wrong_password_gives_a_clear_vietnamese_error(client):
    UserFactory(username="an")
    response = login(client, "an", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_land_on_the_staff_home_showing_their_role(client, lam_dong):
    StaffFactory(agency=lam_dong, username="tiepnhan", role=Role.RECEIVING_OFFICER)
    response = login(client, "tiepnhan")
    assert response.url == reverse("accounts:staff-home")
    page = client.get(response.url).content.decode()
    assert "Cán bộ tiếp nhận (một cửa)" in page and lam_dong.name in page


def test_citizens_land_on_their_profile_and_can_log_in_with_their_phone(client):
    UserFactory(username="068090001234", phone="0912345678", preferred_language="en")
    response = login(client, "+84 912 345 678")
    assert response.url == reverse("accounts:profile")
    # and the account's language is remembered for the next pages
    assert response.cookies["django_language"].value == "en"


def test_login_follows_a_safe_next_but_not_an_outside_one(client):
    UserFactory(username="an")
    assert login(client, "an", next="/xac-thuc/").url == "/xac-thuc/"
    client.logout()
    assert login(client, "an", next="https://evil.example/").url == reverse("accounts:profile")


def test_five_failures_show_the_lockout_page_and_block_the_right_password(client):
    UserFactory(username="an")
    responses = [login(client, "an", f"sai-{n}") for n in range(5)]
    assert [response.status_code for response in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429
    page = responses[4].content.decode()
    assert "Tạm khóa đăng nhập" in page and "15 phút" in page
    locked = login(client, "an")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_logout_is_a_post(client):
    client.force_login(UserFactory())
    assert client.get("/dang-xuat/").status_code == 405
    client.post("/dang-xuat/")
    assert "_auth_user_id" not in client.session


def test_staff_home_is_for_staff_only(client):
    client.force_login(UserFactory())
    response = client.get("/can-bo/")
    assert response.status_code == 403 and "chỉ dành cho cán bộ" in response.content.decode()


# --- registration and verification ------------------------------------------------------------

CITIZEN_FORM = {
    "full_name": "Nguyễn Văn An",
    "personal_id": "068090001234",
    "date_of_birth": "1990-03-15",
    "email": "an@example.vn",
    "phone": "0912 345 678",
    "address": "Phường Xuân Hương - Đà Lạt",
    "password1": "Lam-Dong-2026!",
    "password2": "Lam-Dong-2026!",
}


def test_citizen_registers_verifies_the_email_and_is_logged_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dang-ky/", CITIZEN_FORM)
    assert response.url == reverse("accounts:verify")
    user = User.objects.get(personal_id="068090001234")
    assert client.session["_auth_user_id"] == str(user.pk)
    code = re.search(r"\b(\d{6})\b", emails_sent()[0].body).group(1)
    response = client.post("/xac-thuc/", {"action": "confirm:email", "email-code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert "Đã xác thực" in client.get("/xac-thuc/").content.decode()


def test_wrong_verification_code_is_shown_next_to_the_field(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dang-ky/", CITIZEN_FORM)
    page = client.post(
        "/xac-thuc/", {"action": "confirm:phone", "phone-code": "12"}
    ).content.decode()
    assert 'id="id_phone-code_error"' in page and "không đúng" in page


def test_resend_too_early_says_to_wait(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dang-ky/", CITIZEN_FORM)
    response = client.post("/xac-thuc/", {"action": "resend:phone"}, follow=True)
    assert "Vui lòng đợi" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"personal_id": "123"}, "personal_id", "12 chữ số"),
        ({"date_of_birth": "1991-01-01"}, "personal_id", "năm sinh"),
        ({"phone": "12345"}, "phone", "Số điện thoại"),
        ({"password2": "khac"}, "password2", "không giống nhau"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "mật khẩu"),
        ({"email": "", "phone": ""}, "email", "ít nhất một"),
    ],
)
def test_registration_errors_are_in_vietnamese_and_linked_to_their_field(
    client, change, field, words
):
    response = client.post("/dang-ky/", {**CITIZEN_FORM, **change})
    page = response.content.decode()
    assert response.status_code == 200 and not User.objects.exists()
    assert f'id="id_{field}_error"' in page
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page or (
        f'aria-describedby="id_{field}_error"' in page
    )
    assert 'aria-invalid="true"' in page
    assert words.lower() in page.lower()


def test_duplicate_email_is_refused_on_the_form(client):
    UserFactory(email="an@example.vn")
    page = client.post("/dang-ky/", CITIZEN_FORM).content.decode()
    assert 'id="id_email_error"' in page and "đã được dùng" in page


def test_organisation_registers_with_its_tax_code(client):
    response = client.post(
        "/dang-ky/to-chuc/",
        {
            "full_name": "Công ty TNHH Xanh",
            "tax_code": "5800123456",
            "email": "xanh@example.vn",
            "phone": "",
            "address": "",
            "password1": "Lam-Dong-2026!",
            "password2": "Lam-Dong-2026!",
        },
    )
    assert response.url == reverse("accounts:verify")
    assert User.objects.get(username="5800123456").kind == User.Kind.ORGANISATION


# --- profile ----------------------------------------------------------------------------------


def profile_form(user, **changes):
    return {
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "address": user.address,
        "preferred_language": "vi",
        "version": user.version,
        **changes,
    }


def test_profile_saves_name_address_and_language(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/tai-khoan/",
        profile_form(
            user, full_name="Nguyễn Văn Bình", address="12 Trần Phú", preferred_language="en"
        ),
    )
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert (user.full_name, user.address, user.preferred_language, user.version) == (
        "Nguyễn Văn Bình",
        "12 Trần Phú",
        "en",
        2,
    )
    assert AuditEntry.objects.filter(action="user.profile_update").exists()


def test_profile_address_is_picked_province_then_commune(client, administrative_units):
    # given a citizen on their profile page, which offers the province/commune picker
    user = UserFactory()
    client.force_login(user)
    page = client.get("/tai-khoan/").content.decode()
    assert 'name="commune_province"' in page and 'name="commune_commune"' in page
    lam_dong = Province.objects.get(name__contains="Lâm Đồng")
    commune = lam_dong.communes.order_by("code").first()
    # when they choose a commune of another province than the one they chose
    other = Commune.objects.exclude(province=lam_dong).order_by("code").first()
    wrong = profile_form(user, commune_province=lam_dong.code, commune_commune=other.code)
    page = client.post("/tai-khoan/", wrong).content.decode()
    # then the form says so next to the field, and nothing is saved
    assert "không thuộc" in page
    user.refresh_from_db()
    assert user.commune is None
    # and with a commune of that province the address is saved, province included
    right = profile_form(user, commune_province=lam_dong.code, commune_commune=commune.code)
    assert client.post("/tai-khoan/", right).status_code == 302
    user.refresh_from_db()
    assert (user.commune, user.province) == (commune, lam_dong)


def test_a_new_email_must_be_verified_again(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tai-khoan/", profile_form(user, email="moi@example.vn"))
    user.refresh_from_db()
    assert user.email == "moi@example.vn" and user.email_verified_at is None
    assert emails_sent()[-1].recipient_address == "moi@example.vn"


def test_saving_a_stale_profile_says_somebody_changed_it(client):
    user = UserFactory()
    client.force_login(user)
    stale = profile_form(user, full_name="Tên cũ")
    client.post("/tai-khoan/", profile_form(user, full_name="Tên mới"))
    page = client.post("/tai-khoan/", stale).content.decode()
    assert "đã được người khác thay đổi" in page
    user.refresh_from_db()
    assert user.full_name == "Tên mới"


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_by_email_link(client):
    user = UserFactory(email="an@example.vn")
    response = client.post("/quen-mat-khau/", {"email": "an@example.vn"})
    assert response.url == reverse("accounts:password-reset-done")
    link = re.search(r"https?://[^/]+(/dat-lai-mat-khau/\S+)", mail.outbox[0].body).group(1)
    assert "Xin chào" in mail.outbox[0].body
    form_page = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-moi-2026"},
    )
    assert response.url == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password("Mat-khau-moi-2026")
    assert AuditEntry.objects.filter(action="user.password_change", object_id=str(user.pk)).exists()


def test_password_reset_by_sms_code(client, django_capture_on_commit_callbacks):
    sent = SmsOutbox()
    user = UserFactory(email="", phone="0905123456")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/quen-mat-khau/sms/", {"phone": "0905 123 456"})
    assert response.url == reverse("accounts:password-reset-sms-confirm")
    code = re.search(r"\b(\d{6})\b", sent[0][1]).group(1)
    response = client.post(
        response.url,
        {"code": code, "new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-moi-2026"},
    )
    assert response.url == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password("Mat-khau-moi-2026")


# --- two-factor -------------------------------------------------------------------------------


def test_staff_enable_two_factor_then_login_asks_the_code_everywhere(client, lam_dong):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = StaffFactory(
        agency=lam_dong,
        username="quantri",
        role=Role.ADMINISTRATOR,
        is_staff=True,
        is_superuser=True,
    )
    client.force_login(staff)
    # given the set-up page with its QR code (an inline SVG data URI, no script)
    page = client.get("/tai-khoan/xac-thuc-hai-buoc/").content.decode()
    assert 'src="data:image/svg+xml' in page and "<script>" not in page
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    # when the code from the app is entered, two-factor is on
    client.post("/tai-khoan/xac-thuc-hai-buoc/", {"token": totp_token(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="user.two_factor_enable").exists()
    # then a new login stops at the code page, for the staff home and for /admin/ alike
    client.post("/dang-xuat/")
    response = login(client, "quantri")
    assert response.url.startswith(reverse("accounts:two-factor-verify"))
    assert client.get("/can-bo/").url.startswith(reverse("accounts:two-factor-verify"))
    assert client.get("/admin/").url.startswith(reverse("accounts:two-factor-verify"))
    # a wrong code is refused, the right one lets them in
    wrong = "000000" if totp_token(device) != "000000" else "111111"
    page = client.post(reverse("accounts:two-factor-verify"), {"token": wrong}).content.decode()
    assert "không đúng" in page
    device.refresh_from_db()
    device.throttle_reset(commit=False)
    device.last_t = -1  # the set-up used this 30-second window's code: allow it once more
    device.save()
    response = client.post(
        reverse("accounts:two-factor-verify") + "?next=/admin/", {"token": totp_token(device)}
    )
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_citizens_cannot_enable_two_factor(client):
    client.force_login(UserFactory())
    assert client.get("/tai-khoan/xac-thuc-hai-buoc/").status_code == 403


# --- VNeID (OpenID Connect) -------------------------------------------------------------------

DISCOVERY = {
    "issuer": "https://sso.vneid.example",
    "authorization_endpoint": "https://sso.vneid.example/authorize",
    "token_endpoint": "https://sso.vneid.example/token",
}


@pytest.fixture
def provider(db):
    return IdentityProvider.objects.create(
        name="VNeID", issuer_url="https://sso.vneid.example/", client_id="motcua", enabled=True
    )


def discovery(document=DISCOVERY):
    response = mock.Mock()
    response.json.return_value = document
    response.raise_for_status.return_value = None
    return mock.patch("motcua.accounts.oidc.requests.get", return_value=response)


def test_vneid_button_and_redirect_with_state_nonce_and_pkce(client, provider):
    assert "Đăng nhập bằng VNeID" in client.get(LOGIN).content.decode()
    with discovery() as get:
        response = client.get("/dang-nhap/vneid/")
    get.assert_called_once_with(
        "https://sso.vneid.example/.well-known/openid-configuration", timeout=5
    )
    assert response.url.startswith("https://sso.vneid.example/authorize?")
    pending = client.session["motcua_oidc"]
    for part in (
        f"state={pending['state']}",
        f"nonce={pending['nonce']}",
        "code_challenge_method=S256",
        "client_id=motcua",
    ):
        assert part in response.url


def test_vneid_callback_checks_state_then_says_not_fully_connected(client, provider):
    with discovery():
        client.get("/dang-nhap/vneid/")
    state = client.session["motcua_oidc"]["state"]
    page = client.get(f"/dang-nhap/vneid/callback/?code=abc&state={state}").content.decode()
    assert "chưa kết nối đầy đủ" in page
    # the state is single-use
    assert client.get(f"/dang-nhap/vneid/callback/?code=abc&state={state}").status_code == 400


def test_vneid_callback_with_a_forged_state_is_refused(client, provider):
    with discovery():
        client.get("/dang-nhap/vneid/")
    response = client.get("/dang-nhap/vneid/callback/?code=abc&state=forged")
    assert response.status_code == 400 and "không hợp lệ" in response.content.decode()


def test_unreachable_or_wrong_issuer_sends_back_to_login_with_a_message(client, provider):
    with discovery({**DISCOVERY, "issuer": "https://other.example"}):
        response = client.get("/dang-nhap/vneid/", follow=True)
    assert "Không kết nối được với VNeID" in response.content.decode()


def test_vneid_entry_without_a_provider_is_404(client):
    assert client.get("/dang-nhap/vneid/").status_code == 404


def test_verification_page_needs_login(client):
    assert client.get("/xac-thuc/").url.startswith(LOGIN)
    assert VerificationCode.objects.count() == 0


def test_staff_home_links_each_role_to_its_work(client, lam_dong):
    officer = StaffFactory(agency=lam_dong, role=Role.RECEIVING_OFFICER)
    client.force_login(officer)
    page = client.get(reverse("accounts:staff-home")).content.decode()
    assert reverse("dossiers:counter-new") in page
    assert reverse("monitoring:ops") not in page
    operator = StaffFactory(agency=lam_dong, role=Role.MONITORING_OPERATOR)
    client.force_login(operator)
    page = client.get(reverse("accounts:staff-home")).content.decode()
    assert reverse("monitoring:ops") in page
    assert reverse("dossiers:counter-new") not in page
