"""Test set-up: real databases only. In CI the PostgreSQL pass is required (see Makefile)."""

import os

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def shared_cache_dir(settings, tmp_path):
    """Each test its own directory for the arrays worker processes share (`parkgov.spatial.shared`)."""
    settings.PARKGOV_CACHE_DIR = tmp_path / "shared-cache"
    return settings.PARKGOV_CACHE_DIR


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


@pytest.fixture
def vendor(db):
    return connection.vendor

