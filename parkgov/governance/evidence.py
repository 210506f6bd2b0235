"""Evidence attachments (证据材料) of findings and cases: stored by content, served only within scope.

A file is accepted by what it is, not by what it is called: its first bytes must be those of a PNG, JPEG,
WebP image or a PDF document (the declared extension and content type are ignored), and it must not exceed
thresholds.csv `evidence_max_bytes`. Accepted files are kept under settings.PARKGOV_EVIDENCE_DIR by their
SHA-256 (two identical files share one stored copy), a folder that must lie outside every folder served by
URL (static files, Django's MEDIA_ROOT): nothing there is reachable by URL except through the scoped download view (`governance:attachment`),
which asks `may_read_attachment` — the same scope as the finding or case the file belongs to.

A refused file leaves nothing behind: it is streamed to a temporary file that is removed on refusal, and the
database row is written only after the checks.
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext

from parkgov.codes.thresholds import threshold
from parkgov.errors import ConfigError, InputError, NotFound
from parkgov.governance.models import Attachment, Case

# (content type, stored extension, extensions a user's file of that type may carry)
KINDS = {
    "image/png": (".png", (".png",)),
    "image/jpeg": (".jpg", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "image/webp": (".webp", (".webp",)),
    "application/pdf": (".pdf", (".pdf",)),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CHUNK = 1024 * 1024


def sniff(head: bytes) -> str | None:
    """The content type that the file's first bytes prove (PNG, JPEG, WebP, PDF), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def max_bytes() -> int:
    """The largest accepted evidence file in bytes (thresholds.csv `evidence_max_bytes`)."""
    return int(threshold("evidence_max_bytes"))


def evidence_dir() -> Path:
    """settings.PARKGOV_EVIDENCE_DIR, refused (ConfigError) when it lies inside a folder served by URL: the
    static files (collected or found) and Django's MEDIA_ROOT should one ever be set. PARKGOV_MEDIA_ROOT is not
    served (uploads and generated files go out only through views), so the default under it is fine."""
    folder = Path(settings.PARKGOV_EVIDENCE_DIR).resolve()
    served = [settings.STATIC_ROOT, settings.MEDIA_ROOT,
              *(entry[1] if isinstance(entry, tuple) else entry for entry in settings.STATICFILES_DIRS)]
    for root in filter(None, served):
        root = Path(root).resolve()
        if folder == root or root in folder.parents:
            raise ConfigError(gettext("证据材料目录 PARKGOV_EVIDENCE_DIR（%(folder)s）不得位于可通过网址访问的目录"
                                      " %(root)s 之内") % {"folder": folder, "root": root})
    return folder


def clean_name(name: str) -> str:
    """The file's own name without any folder part or control characters (at most 255 characters)."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    base = _CONTROL.sub("", base).strip()
    return (base or gettext("证据材料"))[-255:]


def download_name(attachment: Attachment) -> str:
    """The original name, with the extension of the type the content proved when the name claims another."""
    stored_ext, accepted = KINDS.get(attachment.content_type, ("", ()))
    name = attachment.original_name
    return name if not stored_ext or Path(name).suffix.lower() in accepted else f"{name}{stored_ext}"


def store_attachment(*, upload, actor, finding=None, case=None, event=None, step=None) -> Attachment:
    """Check `upload` (a Django UploadedFile or a (name, bytes) pair) by content and size, keep it under the
    evidence folder by SHA-256 and record it on `finding`, or on `case` (and the case `event` or `step` it
    proves). InputError names the file and the reason; nothing is written then."""
    case = case or getattr(event, "case", None) or getattr(step, "case", None)
    if (finding is None) == (case is None):
        raise ValueError("an attachment belongs to exactly one finding or one case")
    for part in (event, step):
        if part is not None and part.case_id != case.pk:
            raise ValueError("the event or step belongs to another case")
    stored = store_file(upload=upload)
    return Attachment.objects.create(**stored, finding=finding, case=case, event=event, step=step,
                                     uploaded_by=actor)


def store_file(*, upload) -> dict:
    """Check `upload` by content and size and keep it under the evidence folder by SHA-256, writing no row:
    {stored_name, original_name, content_type, size, sha256} for the caller's record (an Attachment, a supply
    ApplicationDocument). InputError names the file and the reason; nothing is kept then."""
    name, chunks = _source(upload)
    folder = evidence_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest, size, content_type, temporary = _receive(name, chunks, folder)
    try:
        stored_name = f"{digest[:2]}/{digest}{KINDS[content_type][0]}"
        target = folder / stored_name
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"stored_name": stored_name, "original_name": name, "content_type": content_type, "size": size,
            "sha256": digest}


def check_upload(upload) -> str:
    """The content type of `upload` after the checks of `store_attachment` (InputError otherwise), writing
    nothing; the upload can be read again afterwards."""
    name, chunks = _source(upload)
    limit, size, head = max_bytes(), 0, b""
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise _too_large(name, limit)
        if len(head) < 16:
            head += chunk[:16]
    if hasattr(upload, "seek"):
        upload.seek(0)
    return _checked_type(name, size, head)


def _too_large(name, limit):
    return InputError(gettext("文件“%(name)s”未能作为证据材料上传：超过大小上限 %(limit)s MB")
                      % {"name": name, "limit": _megabytes(limit)})


def _checked_type(name, size, head):
    if size == 0:
        raise InputError(gettext("文件“%(name)s”未能作为证据材料上传：文件为空") % {"name": name})
    content_type = sniff(head)
    if content_type is None:
        raise InputError(gettext("文件“%(name)s”未能作为证据材料上传：按文件内容判断，它不是 PNG、JPEG、WebP"
                                 " 图片或 PDF 文件（扩展名不作依据）") % {"name": name})
    return content_type


def _source(upload):
    if isinstance(upload, tuple):
        name, data = upload
        return clean_name(name), [bytes(data)]
    return clean_name(getattr(upload, "name", "")), upload.chunks()


def _receive(name, chunks, folder):
    """Stream the chunks to a temporary file in `folder` while hashing; refuse by size and by content."""
    limit, size, digest, head = max_bytes(), 0, hashlib.sha256(), b""
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", delete=False)
    try:
        with handle:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise _too_large(name, limit)
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        content_type = _checked_type(name, size, head)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size, content_type, handle.name


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}".removesuffix(".0")


def open_attachment(*, attachment) -> BinaryIO:
    """The stored file (an Attachment or any record with `stored_name` and `original_name`), opened for reading
    (NotFound when it is missing from the evidence folder)."""
    folder = evidence_dir()
    path = (folder / attachment.stored_name).resolve()
    if folder not in path.parents or not path.is_file():
        raise NotFound(gettext("证据材料“%(name)s”的文件不在证据目录中") % {"name": attachment.original_name})
    return path.open("rb")


def may_read_attachment(*, attachment, scope) -> bool:
    """Whether `scope` may read the attachment: the finding it belongs to is among `scoped_findings` (role read
    domain, finding categories, own department, parks), or the case is readable (domain `case`, parks)."""
    from parkgov.governance.findings import scoped_findings

    if attachment.finding_id is not None:
        return scoped_findings(scope=scope).filter(pk=attachment.finding_id).exists()
    if attachment.case_id is not None and scope.can_read("case"):
        return scope.filter_zones(Case.objects.filter(pk=attachment.case_id), "zone_id").exists()
    return False
