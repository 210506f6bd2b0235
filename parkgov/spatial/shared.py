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
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

log = logging.getLogger("parkgov.spatial")
META = "meta.json"  # written last: a directory without it is not finished


def shared(kind: str, key, build) -> tuple[dict, dict]:
    """`build()`'s (arrays, meta) for `key` — a dict of numeric numpy arrays and a dict of JSON values — from this
    machine's copy when there is one (the arrays memory-mapped read-only), else built here and written for the
    other processes. Where the directory cannot be used, what `build()` gives is returned as it is."""
    root = Path(settings.PARKGOV_CACHE_DIR) / kind
    database = connection.settings_dict
    digest = hashlib.sha256(repr((database["NAME"], database.get("HOST"), database.get("PORT"), key)).encode())
    target = root / digest.hexdigest()[:32]
    built = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        with open(root / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not (target / META).exists():
                built = build()
                _write(root, target, *built)
                _remove_old(root, keep=target)
            return _read(target)  # mapped under the lock, so no other process removes it half-read
    except OSError as exc:
        log.warning("shared cache directory %s not usable, building in this process: %s", root, exc)
        return built or build()


def _write(root: Path, target: Path, arrays: dict, meta: dict) -> None:
    building = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
    try:
        building.chmod(0o755)  # mkdtemp's 0700 would shut out a job worker running as another user
        for number, array in enumerate(arrays.values()):
            if array.dtype == object:
                raise TypeError(f"{list(arrays)[number]}: object arrays cannot be shared")
            np.save(building / f"{number}.npy", np.ascontiguousarray(array), allow_pickle=False)
        (building / META).write_text(json.dumps({"arrays": list(arrays), "meta": meta}), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)  # an unfinished directory of the same key
        os.rename(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _read(target: Path) -> tuple[dict, dict]:
    content = json.loads((target / META).read_text(encoding="utf-8"))
    arrays = {name: np.load(target / f"{number}.npy", mmap_mode="r", allow_pickle=False)
              for number, name in enumerate(content["arrays"])}
    return arrays, content["meta"]


def _remove_old(root: Path, *, keep: Path) -> None:
    """Remove older versions, but for the newest other one (another database may share the directory), and what
    a process that died while building left (builds happen under the lock: none is under way)."""
    found = [p for p in root.iterdir() if p.is_dir() and p != keep]
    abandoned = [p for p in found if p.name.startswith(".")]
    others = sorted((p for p in found if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for path in abandoned + others[:-1]:
        shutil.rmtree(path, ignore_errors=True)
