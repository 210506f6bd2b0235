"""Test set-up: real databases only. In CI the PostgreSQL pass is required (see Makefile)."""

import os

import pytest
from django.db import connection

# The command's output is checked as text: a terminal wide enough that Rich does not wrap it (Rich drops the space
# it breaks at, and where it breaks depends on the length of the temporary folder's path). Before parkgov.cli
# makes its consoles; processes the tests start inherit it.
os.environ["COLUMNS"] = "300"


@pytest.fixture(autouse=True)
def shared_cache_dir(settings, tmp_path):
    """Each test its own directory for the arrays worker processes share (`parkgov.spatial.shared`)."""
    settings.PARKGOV_CACHE_DIR = tmp_path / "shared-cache"
    return settings.PARKGOV_CACHE_DIR


@pytest.fixture(autouse=True)
def cache_table_emptied_after_commits(request):
    """Tests that commit (transactional ones, the live server's) leave rows in the database cache table, which
    `flush` does not empty: change tokens and tiles of a database that is gone. The next test would read them as
    its own. Cleared after each such test; rolled-back tests never leave any."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if {"transactional_db", "live_server"} & set(request.fixturenames) or (marker and marker.kwargs.get("transaction")):
        from django.core.cache import cache

        cache.clear()


@pytest.fixture(scope="session", autouse=True)
def migrated_template_removed():
    """The migrated database that tests/processes.py copies goes at the end of the session."""
    yield
    from tests.processes import drop_template

    drop_template()


@pytest.fixture
def actor(db):
    from parkgov.audit.context import system_user

    return system_user("test:operator")


def pytest_collection_modifyitems(config, items):
    on_postgres = "postgres" in os.environ.get("PARKGOV_DATABASE_URL", "")
    for item in items:
        if item.get_closest_marker("postgis") and not on_postgres:
            # `make test` deselects these in the SQLite pass and runs them in the PostgreSQL pass, which CI requires.
            item.add_marker(pytest.mark.skip(reason="PostGIS 测试只在 PostgreSQL 轮次运行"))
    if on_postgres and os.environ.get("PARKGOV_BROWSER_ON_POSTGRES") != "1":
        # Chromium walk-throughs test pages, not SQL: `make test` runs them in the SQLite pass (the embedded default
        # that `make demo` serves) and not again on PostgreSQL, where every query they make is already covered by the
        # page, API and scope tests. They were a third of CI's time twice over. PARKGOV_BROWSER_ON_POSTGRES=1 runs them.
        browser = [item for item in items if _drives_chromium(item)]
        if browser:
            config.hook.pytest_deselected(items=browser)
            items[:] = [item for item in items if item not in browser]


def _drives_chromium(item) -> bool:
    import inspect

    functions = [getattr(item, "function", None)]
    for defs in getattr(item, "_fixtureinfo", None).name2fixturedefs.values() if hasattr(item, "_fixtureinfo") else ():
        functions += [d.func for d in defs]
    for function in functions:
        try:
            if function is not None and "sync_playwright" in inspect.getsource(function):
                return True
        except (OSError, TypeError):
            continue
    return False


@pytest.fixture
def vendor(db):
    return connection.vendor

