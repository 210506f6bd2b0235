"""The backup file: a gzip-compressed tar holding the database snapshot, the media files and manifest.json.

manifest.json is the last member and records the sha256 and size of every other member, computed from the bytes
actually written. Reading never trusts a member name or size before the manifest has been checked: members are
copied into a staging folder with their hashes taken on the way, then compared with the manifest.
"""

import gzip
import hashlib
import io
import json
import shutil
import tarfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from parkgov.errors import InputError

FORMAT = "parkgov-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
CHUNK = 1 << 20


class _HashingReader:
    """Reads a file for tarfile while hashing exactly the bytes handed over."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


class ArchiveWriter:
    """Write members one by one, then the manifest; `members` collects size and sha256 of each."""

    def __init__(self, path: Path):
        self.tar = tarfile.open(path, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT)
        self.members: dict[str, dict] = {}

    def add_file(self, *, name: str, source: Path) -> None:
        """Add `source` as member `name`; a file still growing is cut at the size it had when opened."""
        with source.open("rb") as handle:
            info = self.tar.gettarinfo(fileobj=handle, arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            reader = _HashingReader(handle)
            self.tar.addfile(info, reader)
        self.members[name] = {"size": info.size, "sha256": reader.digest.hexdigest()}

    def close(self, manifest: dict) -> None:
        """Write manifest.json (with the members' checksums) as the last member and close the file."""
        manifest = {**manifest, "members": self.members}
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(time.time())
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()

    def abort(self) -> None:
        """Close without a manifest (the caller deletes the partial file)."""
        self.tar.close()


@dataclass
class Extracted:
    """What `extract` copied into the staging folder: the manifest and where each member now lies."""

    manifest: dict
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def media(self) -> dict[str, Path]:
        """Media members by their path relative to the media folder."""
        return {name[len(MEDIA_PREFIX):]: path for name, path in self.files.items() if name.startswith(MEDIA_PREFIX)}


def _safe_name(name: str, *, path: Path) -> str:
    """Refuse member names that could leave the staging folder or are not ours."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in name:
        raise InputError(_("备份文件 %(path)s 含有不允许的成员名 %(name)s，不是园区管家的备份") % {"path": path, "name": name})
    if name != MANIFEST and name not in DATABASE_MEMBERS.values() and not name.startswith(MEDIA_PREFIX):
        raise InputError(_("备份文件 %(path)s 含有未知的成员 %(name)s，不是园区管家的备份") % {"path": path, "name": name})
    return name


def extract(*, path: Path, staging: Path) -> Extracted:
    """Copy every member of the backup at `path` into `staging` and check them against the manifest."""
    hashes, files, manifest = {}, {}, None
    try:
        with tarfile.open(path, "r:gz") as tar:
            for info in tar:
                name = _safe_name(info.name, path=path)
                if not info.isfile() or name in hashes or (manifest is not None):
                    raise InputError(_("备份文件 %(path)s 的结构不对（成员 %(name)s），不是园区管家的备份")
                                     % {"path": path, "name": name})
                source = tar.extractfile(info)
                if name == MANIFEST:
                    manifest = _parse_manifest(source.read(), path=path)
                    continue
                target = staging / "members" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as handle:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        handle.write(chunk)
                hashes[name] = {"size": info.size, "sha256": digest.hexdigest()}
                files[name] = target
    except FileNotFoundError as exc:
        raise InputError(_("备份文件不存在：%(path)s") % {"path": path}) from exc
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(_("备份文件 %(path)s 不完整或已损坏（%(reason)s），不能恢复；请换用完好的备份文件")
                         % {"path": path, "reason": str(exc) or type(exc).__name__}) from exc
    if manifest is None:
        raise InputError(_("备份文件 %(path)s 缺少清单 manifest.json（文件可能被截断），不能恢复") % {"path": path})
    _check_members(manifest=manifest, found=hashes, path=path)
    return Extracted(manifest=manifest, files=files)


def _parse_manifest(data: bytes, *, path: Path) -> dict:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(_("备份文件 %(path)s 的清单 manifest.json 无法读取：%(reason)s") % {"path": path, "reason": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(_("文件 %(path)s 不是园区管家的备份（清单格式不对）") % {"path": path})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise InputError(_("备份文件 %(path)s 的格式版本 %(found)s 本程序不支持（支持 %(supported)s），请升级园区管家后再恢复")
                         % {"path": path, "found": manifest.get("format_version"), "supported": FORMAT_VERSION})
    for key, kind in (("members", dict), ("tables", dict), ("migrations", dict), ("database", dict)):
        if not isinstance(manifest.get(key), kind):
            raise InputError(_("备份文件 %(path)s 的清单缺少 %(key)s") % {"path": path, "key": key})
    return manifest


def _check_members(*, manifest: dict, found: dict, path: Path) -> None:
    """Every member listed is present with its size and sha256, and nothing else is there."""
    listed = manifest["members"]
    for name in sorted(set(listed) - set(found)):
        raise InputError(_("备份文件 %(path)s 缺少成员 %(name)s（文件可能被截断），不能恢复") % {"path": path, "name": name})
    for name in sorted(set(found) - set(listed)):
        raise InputError(_("备份文件 %(path)s 含有清单中没有的成员 %(name)s，不能恢复") % {"path": path, "name": name})
    for name in sorted(listed):
        if listed[name] != found[name]:
            raise InputError(_("备份文件 %(path)s 的成员 %(name)s 校验和不符（文件已被修改或损坏），不能恢复")
                             % {"path": path, "name": name})


def sha256_of(path: Path) -> str:
    """The sha256 of a file on disk."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def remove_tree(path: Path) -> None:
    """Remove a staging folder; missing is fine."""
    shutil.rmtree(path, ignore_errors=True)
