"""Dossier codes are sequential per agency and day, and unique under concurrent submissions."""

import threading
import time
from datetime import date

import pytest
from django.db import OperationalError, close_old_connections, connection

from motcua.dossiers.codes import CODE_PATTERN, dossier_code_next, normalize_code
from tests.factories import AgencyFactory


@pytest.mark.django_db
def test_codes_count_per_agency_and_day():
    lam_dong = AgencyFactory(code="H56.14")
    other = AgencyFactory(code="H37.14")
    day = date(2025, 11, 23)
    assert dossier_code_next(agency=lam_dong, day=day) == "H56.14-251123-0001"
    assert dossier_code_next(agency=lam_dong, day=day) == "H56.14-251123-0002"
    assert dossier_code_next(agency=other, day=day) == "H37.14-251123-0001"
    assert dossier_code_next(agency=lam_dong, day=date(2025, 11, 24)) == "H56.14-251124-0001"
    assert CODE_PATTERN.match("H56.14-251123-0002")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_code():
    agency = AgencyFactory(code="H56.14")
    day = date(2026, 11, 23)
    codes: list[str] = []
    lock = threading.Lock()

    def submit_many():
        try:
            for _ in range(10):
                for _attempt in range(1000):
                    try:
                        code = dossier_code_next(agency=agency, day=day)
                        break
                    except OperationalError:
                        # SQLite's in-memory test database answers "locked" at once instead
                        # of waiting; PostgreSQL waits on the row lock.
                        time.sleep(0.002)
                with lock:
                    codes.append(code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=submit_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == 40
    assert len(set(codes)) == 40
    assert max(codes) == "H56.14-261123-0040"


def test_normalize_code():
    assert normalize_code("  h56.14-251123-0007 ") == "H56.14-251123-0007"
