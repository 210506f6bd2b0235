"""Issue 14 §4: two 立案 at the same moment get different numbers (PostgreSQL, where they really run at once):
the second insert waits on the unique index, fails when the first commits, and takes the next number."""

import threading
import time

import pytest
from django.db import connection, transaction

from parkgov.governance.models import Case
from parkgov.testing import cases_world, open_test_case

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgis]


def test_concurrent_openings_get_consecutive_numbers(tmp_path, actor):
    cases_world()
    first_inserted, numbers, errors = threading.Event(), {}, []

    def first():
        try:
            with transaction.atomic():
                numbers["first"] = open_test_case(title="先").number
                first_inserted.set()
                time.sleep(1.5)  # hold the row uncommitted while the second opening computes the same number
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            first_inserted.wait(10)
            with transaction.atomic():
                numbers["second"] = open_test_case(title="后").number
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert numbers["first"].endswith("-0001") and numbers["second"].endswith("-0002"), numbers
    assert Case.objects.count() == 2
