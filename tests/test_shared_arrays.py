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


def test_old_versions_and_abandoned_builds_are_removed(shared_cache_dir):
    for version in range(4):
        shared("test", ("version", version), _counting([]))
        time.sleep(0.01)  # distinct modification times
    (shared_cache_dir / "test" / ".building-dead").mkdir()
    shared("test", ("version", 9), _counting([]))
    kept = [p for p in (shared_cache_dir / "test").iterdir() if p.is_dir()]
    assert len(kept) == 2  # this version and the newest other (another database may share the directory)
    calls = []
    shared("test", ("version", 3), _counting(calls))
    assert calls == []  # the newest other version is still there


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
    assert not [p for p in (shared_cache_dir / "test").iterdir() if p.is_dir()]  # nothing half-written left
