"""Issue 15 §4: 零增地 renovations — the checks (after > before, floor area added = change × land area within the
tolerance in data), edit with history, totals per parcel and zone, the pages and API in the user's parks."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from parkgov.accounts.scopes import scope_for
from parkgov.errors import InputError
from parkgov.supply import renovations
from parkgov.supply.models import Renovation
from parkgov.testing import cases_world

pytestmark = pytest.mark.django_db
LAND = 6666.67  # the parcels of cases_world


def scope(name):
    return scope_for(get_user_model().objects.get(username=name))


@pytest.fixture
def world(db):
    cases_world()


def make(code="SZ-0001", *, before=0.8, after=1.2, added=None, storeys=1, who="natural_resources"):
    return renovations.record(scope=scope(who), actor=None, parcel_code=code, completed_on=dt.date(2025, 3, 1),
                              storeys_added=storeys, plot_ratio_before=before, plot_ratio_after=after,
                              floor_area_added_m2=(after - before) * LAND if added is None else added)


def test_floor_area_must_match_the_plot_ratio_change_within_the_tolerance(world):
    """(1.2 − 0.8) × 6666.67 = 2666.668 m²; the tolerance is 5 % (checks.yaml): 2533.33 … 2800.00 pass."""
    assert make(added=2666.668).floor_area_added_m2 == 2666.668
    assert make(added=2800.0).pk and make(added=2533.34).pk
    with pytest.raises(InputError) as caught:
        make(added=2801.0)
    message = str(caught.value)
    assert "新增建筑面积 2,801.00 平方米与容积率变化不符" in message and "= 2,666.67 平方米，允许相差 5%" in message
    with pytest.raises(InputError, match="新增建筑面积 2,533.00 平方米与容积率变化不符"):
        make(added=2533.0)


def test_after_must_exceed_before_and_numbers_are_checked(world):
    with pytest.raises(InputError, match="改造后容积率 0.8 应大于改造前容积率 0.8"):
        make(before=0.8, after=0.8, added=0)
    with pytest.raises(InputError, match="加层数应为不小于 0 的数字"):
        make(storeys=-1)
    with pytest.raises(InputError, match="您的园区范围内没有地块编码为“SZ-9999”的地块"):
        make("SZ-9999")
    with pytest.raises(InputError, match="没有地块编码为“SZ-0001”"):  # a park-scoped user, a parcel of another park
        make("SZ-0001", who="natural_resources-xw1")
    with pytest.raises(PermissionDenied):
        make(who="fire")
    assert not Renovation.objects.exists()


def test_edit_keeps_history_and_totals_add_up(world):
    first = make(storeys=1)
    make("SZ-0001", before=1.2, after=1.5, storeys=1)
    make("SZ-0002", before=0.6, after=1.0, storeys=2)
    renovations.edit(scope=scope("natural_resources"), actor=None, renovation=first, storeys_added=2,
                     plot_ratio_after=1.3, floor_area_added_m2=0.5 * LAND)
    first.refresh_from_db()
    assert (first.storeys_added, first.plot_ratio_after) == (2, 1.3) and first.history.count() == 2
    with pytest.raises(InputError):
        renovations.edit(scope=scope("natural_resources"), actor=None, renovation=first, plot_ratio_after=0.7)
    zones = {z["parcel__zone__code"]: z for z in renovations.zone_totals(scope=scope("natural_resources"))}
    assert (zones["SZ"]["parcels"], zones["SZ"]["count"], zones["SZ"]["storeys"]) == (1, 2, 3)
    assert zones["SZ"]["floor_area"] == pytest.approx(0.5 * LAND + 0.3 * LAND)
    assert (zones["SZ-XW1"]["count"], zones["SZ-XW1"]["storeys"]) == (1, 2)
    parcels = {p["parcel__code"]: p for p in renovations.parcel_totals(scope=scope("natural_resources-xw1"))}
    assert list(parcels) == ["SZ-0002"] and parcels["SZ-0002"]["latest_plot_ratio"] == 1.0


def test_pages_and_api_keep_to_the_users_parks(client, world):
    make()
    make("SZ-0002", before=0.6, after=1.0)
    client.force_login(get_user_model().objects.get(username="economy-xw1"))
    page = client.get(reverse("supply:renovations")).content.decode()
    assert 'data-parcel="SZ-0002"' in page and 'data-parcel="SZ-0001"' not in page
    other = Renovation.objects.get(parcel__code="SZ-0001")
    assert client.get(reverse("supply:renovation_edit", args=[other.pk])).status_code == 404
    response = client.post(reverse("supply:renovation_new"), {
        "parcel_code": "SZ-0002", "completed_on": "2025-05-01", "storeys_added": "1", "plot_ratio_before": "1.0",
        "plot_ratio_after": "1.1", "floor_area_added_m2": "100"})
    assert response.status_code == 200 and "与容积率变化不符" in response.content.decode()
    response = client.post(reverse("supply:renovation_new"), {
        "parcel_code": "SZ-0002", "completed_on": "2025-05-01", "storeys_added": "1", "plot_ratio_before": "1.0",
        "plot_ratio_after": "1.1", "floor_area_added_m2": "666.67"})
    assert response.status_code == 302 and Renovation.objects.count() == 3
    client.force_login(get_user_model().objects.get(username="fire"))
    assert client.get(reverse("supply:renovations")).status_code == 403
