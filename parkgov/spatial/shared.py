"""Arrays built once per machine and mapped by every worker process.

Each gunicorn worker used to build the map's parcel table and outlines itself after a change: at 1,666,667
parcels four workers building at once on two cores took 19.5 s before the first tile of a view came back, and
each kept its own copy (about 2 GB of outlines apiece). Now the first process that needs a version builds it and
writes it under PARKGOV_CACHE_DIR; the others wait for it (a file lock) and map the same files read-only, so
the machine holds one copy in its page cache.
"""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from parkgov import __version__

log = logging.getLogger("parkgov.spatial")
META = "meta.json"  # written last: a directory without it is not finished
UNREADABLE = (OSError, ValueError, EOFError, KeyError, json.JSONDecodeError)  # what a damaged directory raises


def shared(kind: str, key, build, *, code=()) -> tuple[dict, dict]:
    """`build()`'s (arrays, meta) for `key` — a dict of numeric numpy arrays and a dict of JSON values — from this
    machine's copy when there is one (the arrays memory-mapped read-only), else built here and written for the
    other processes. `code` names the modules whose source decides what is built: files an earlier release left
    are not read. Where the directory cannot be used, what `build()` gives is returned as it is.

    Files are the service user's own (0700): they hold every parcel's class and tier, which only some roles see;
    the web and job workers run as one user (a process of another user builds for itself, with a warning).
    Each database has its own folder, where only the newest version is kept: a version that comes back (a
    change token lost from the cache) is built again, never read from an older file.
    """
    folder = Path(settings.PARKGOV_CACHE_DIR) / kind / _database_digest()
    target = folder / _digest((key, _code_version(tuple(code))))
    built = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = os.open(folder / ".lock", os.O_RDONLY | os.O_CREAT, 0o600)  # flock needs no write access
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if (target / META).exists():
                try:
                    return _read(target)  # mapped under the lock, so no other process removes it half-read
                except UNREADABLE as exc:  # damaged (e.g. a power cut before the data reached the disk)
                    log.warning("shared arrays %s unreadable, building them again: %s", target, exc)
            built = build()
            _write(folder, target, *built)
            _remove_old(folder, keep=target)
            return _read(target)
        finally:
            os.close(lock)
    except OSError as exc:
        log.warning("shared cache directory %s not usable, building in this process: %s", folder, exc)
        return built or build()


def forget_database() -> int:
    """Remove every version this database's folders hold, of every kind (`parkgov upgrade`: arrays of the old
    code's data); returns how many were removed. Each folder is emptied under its lock, so a process building
    meanwhile finishes first."""
    removed = 0
    for folder in sorted(Path(settings.PARKGOV_CACHE_DIR).glob(f"*/{_database_digest()}")):
        lock = os.open(folder / ".lock", os.O_RDONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for path in folder.iterdir():
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                    removed += 1
        finally:
            os.close(lock)
    return removed


def _database_digest() -> str:
    database = connection.settings_dict
    return _digest((database["NAME"], database.get("HOST"), database.get("PORT")))


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


@cache
def _code_version(modules: tuple) -> str:
    """The release and the source of `modules` (and of this module: the file layout)."""
    sources = [Path(module.__file__).read_bytes() for module in (*modules, sys.modules[__name__])]
    return hashlib.sha256(__version__.encode() + b"".join(sources)).hexdigest()


def _write(folder: Path, target: Path, arrays: dict, meta: dict) -> None:
    building = Path(tempfile.mkdtemp(dir=folder, prefix=".building-"))
    try:
        for number, array in enumerate(arrays.values()):
            if array.dtype == object:
                raise TypeError(f"{list(arrays)[number]}: object arrays cannot be shared")
            np.save(building / f"{number}.npy", np.ascontiguousarray(array), allow_pickle=False)
        (building / META).write_text(json.dumps({"arrays": list(arrays), "meta": meta}), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)  # a damaged or unfinished directory of the same key
        os.rename(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _read(target: Path) -> tuple[dict, dict]:
    content = json.loads((target / META).read_text(encoding="utf-8"))
    arrays = {name: np.load(target / f"{number}.npy", mmap_mode="r", allow_pickle=False)
              for number, name in enumerate(content["arrays"])}
    return arrays, content["meta"]


def _remove_old(folder: Path, *, keep: Path) -> None:
    """Remove the database's other versions and what a process that died while building left (builds happen
    under the lock: none is under way)."""
    for path in folder.iterdir():
        if path.is_dir() and path != keep:
            shutil.rmtree(path, ignore_errors=True)
