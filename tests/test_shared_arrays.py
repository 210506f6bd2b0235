"""Arrays worker processes share through files (`parkgov.spatial.shared`): built once per version by one process,
mapped read-only by the others, old versions removed, a directory that cannot be used falls back to building."""

import logging
import multiprocessing
import time

import numpy as np
import pytest

from parkgov.spatial.shared import shared


def _arrays(seed=1):
    return {"ids": np.arange(5, dtype=np.int64) * seed, "flags": np.array([True, False, True, True, False])}, \
        {"reach": [3, seed], "names": ["甲", "乙"]}


def _counting(calls, seed=1):
    def build():
        calls.append(seed)
        return _arrays(seed)
    return build


def test_the_first_call_builds_and_the_next_maps_the_files(shared_cache_dir):
    calls = []
    arrays, meta = shared("test", ("version", 1), _counting(calls))
    assert calls == [1] and meta == {"reach": [3, 1], "names": ["甲", "乙"]}
    again, meta_again = shared("test", ("version", 1), _counting(calls))
    assert calls == [1] and meta_again == meta  # read from the files, not built
    for name, array in _arrays()[0].items():
        assert np.array_equal(again[name], array) and again[name].dtype == array.dtype
        assert isinstance(again[name], np.memmap)
        with pytest.raises(ValueError):  # read-only: a worker cannot change what the others see
            again[name][0] = 0
    shared("test", ("version", 2), _counting(calls, 2))
    assert calls == [1, 2]


def _in_another_process(directory, queue):
    from django.conf import settings

    settings.PARKGOV_CACHE_DIR = directory

    def build():
        with open(directory / "builds.txt", "a") as log:
            log.write("built\n")
        time.sleep(0.5)  # long enough for the other process to arrive while this one builds
        return _arrays(7)

    arrays, meta = shared("test", ("version", 7), build)
    queue.put((arrays["ids"].tolist(), meta))


def test_processes_arriving_together_build_once(shared_cache_dir):
    shared_cache_dir.mkdir(parents=True)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_in_another_process, args=(shared_cache_dir, queue)) for _ in range(3)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert (shared_cache_dir / "builds.txt").read_text().count("built") == 1
    assert results == [([0, 7, 14, 21, 28], {"reach": [3, 7], "names": ["甲", "乙"]})] * 3


def _versions(root):
    return [p for database in (root / "test").iterdir() for p in database.iterdir() if p.is_dir()]


def test_old_versions_and_abandoned_builds_are_removed_and_a_version_coming_back_is_rebuilt(shared_cache_dir):
    for version in range(4):
        shared("test", ("version", version), _counting([]))
    database = next((shared_cache_dir / "test").iterdir())
    (database / ".building-dead").mkdir()
    shared("test", ("version", 9), _counting([]))
    assert [p.name for p in _versions(shared_cache_dir)] == [p.name for p in database.iterdir() if p.is_dir()]
    assert len(_versions(shared_cache_dir)) == 1  # only the newest
    calls = []
    shared("test", ("version", 3), _counting(calls, 3))  # e.g. a change token lost from the cache
    assert calls == [3]  # built again from the database, never an older file


def test_files_of_an_earlier_release_are_not_read(shared_cache_dir, tmp_path):
    import types

    modules = []
    for source in ("VALUE = 1", "VALUE = 2"):
        path = tmp_path / f"module{len(modules)}.py"
        path.write_text(source)
        module = types.ModuleType("tile_code")
        module.__file__ = str(path)
        modules.append(module)
    calls = []
    shared("test", ("version", 1), _counting(calls), code=(modules[0],))
    shared("test", ("version", 1), _counting(calls), code=(modules[0],))
    assert calls == [1]
    shared("test", ("version", 1), _counting(calls, 2), code=(modules[1],))  # the code changed: built again
    assert calls == [1, 2]


def test_damaged_files_are_built_again(shared_cache_dir, caplog):
    shared("test", ("version", 1), _counting([]))
    (only,) = _versions(shared_cache_dir)
    (only / "0.npy").write_bytes(b"")  # e.g. a power cut before the data reached the disk
    calls = []
    with caplog.at_level(logging.WARNING, logger="parkgov.spatial"):
        arrays, _meta = shared("test", ("version", 1), _counting(calls))
    assert calls == [1] and np.array_equal(arrays["ids"], _arrays()[0]["ids"]) and "unreadable" in caplog.text
    assert np.array_equal(shared("test", ("version", 1), _counting(calls))[0]["ids"], _arrays()[0]["ids"])
    assert calls == [1]


def test_files_are_the_service_users_own(shared_cache_dir):
    shared("test", ("version", 1), _counting([]))
    (only,) = _versions(shared_cache_dir)
    assert only.stat().st_mode & 0o077 == 0 and only.parent.stat().st_mode & 0o077 == 0  # classes and tiers inside


def test_an_unusable_directory_means_building_in_the_process(shared_cache_dir, settings, caplog):
    blocker = shared_cache_dir.parent / "a-file"
    blocker.write_text("not a directory")
    settings.PARKGOV_CACHE_DIR = blocker
    calls = []
    with caplog.at_level(logging.WARNING, logger="parkgov.spatial"):
        arrays, meta = shared("test", ("version", 1), _counting(calls))
    assert calls == [1] and np.array_equal(arrays["ids"], _arrays()[0]["ids"]) and meta["reach"] == [3, 1]
    assert "not usable" in caplog.text


def test_object_arrays_are_refused(shared_cache_dir):
    with pytest.raises(TypeError):
        shared("test", ("version", 1), lambda: ({"names": np.array(["a", None], dtype=object)}, {}))
    assert not _versions(shared_cache_dir)  # nothing half-written left


@pytest.mark.django_db
def test_change_tokens_outlive_a_full_cache_table():
    """When the cache table is full Django culls the alphabetically first third of its keys; the change tokens
    sort last, so a full table of tiles does not lose them (a lost token would bring an older version back)."""
    from django.core.cache.backends.db import DatabaseCache

    from parkgov.audit.versions import CHANGE_TOKEN_KEY

    small = DatabaseCache("parkgov_cache", {"OPTIONS": {"MAX_ENTRIES": 20, "CULL_FREQUENCY": 3}})
    small.clear()  # a table of tiles and this one token (rolled back with the test)
    small.set(CHANGE_TOKEN_KEY + "ledger_parcel", "token", timeout=None)
    for number in range(100):
        small.set(f"parkgov:tile:{number:03}", b"tile", timeout=None)
        small.set(f"parkgov:cockpit:{number:03}", b"figures", timeout=None)
    assert small.get(CHANGE_TOKEN_KEY + "ledger_parcel") == "token"
    assert small.get("parkgov:tile:000") is None  # culling did happen
