"""Shared test set-up: environment, the database guard for CI, and common fixtures."""

import os

os.environ.setdefault("MOTCUA_ENV", "test")
# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    if IN_CI and not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        raise pytest.UsageError("CI=true requires DATABASE_URL pointing to PostgreSQL.")


@pytest.fixture(autouse=True)
def _immediate_settings(settings, tmp_path):
    """Uploaded files go to a per-test folder; login lockouts do not leak between tests."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Back-office tests receive online dossiers whose fees nobody paid; tests/payments turns the
    # "paid before reception / before the result" rule on where it is what they test.
    settings.PAYMENT_REQUIRED = False


@pytest.fixture(scope="session")
def _administrative_units_committed(django_db_setup, django_db_blocker):
    from motcua.core.places import administrative_units_load

    with django_db_blocker.unblock():
        administrative_units_load()


@pytest.fixture
def administrative_units(_administrative_units_committed, django_db_blocker):
    """The 34 provinces, 3,321 communes and the pre-2025 mapping. Loaded (committed) once per
    session, so create provinces or communes with their real codes, never new ones. A
    transactional test (live_server) empties every table at teardown: a later one reloads."""
    from motcua.core.places import administrative_units_load

    with django_db_blocker.unblock():
        administrative_units_load()
