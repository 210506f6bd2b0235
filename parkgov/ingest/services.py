"""Import and export services: the one place the CLI, the web and the API call to exchange workbooks."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from parkgov.errors import ImportRejected, InputError
from parkgov.ingest.extensions import EXTENSIONS
from parkgov.ingest.issues import IssueList
from parkgov.ingest.reader import read_workbook
from parkgov.ingest.rules import check_finding_scope, check_workbook
from parkgov.ingest.validate import check_sheet
from parkgov.ingest.writer import ORDER, write_sheets
from parkgov.ledger.choices import SubmissionMethod
from parkgov.ledger.models import Submission

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024  # an xlsx is a zip: refuse archives that unpack beyond this
MAX_PACK_RATIO = 200  # text compresses ~10–30×; far beyond that is a zip bomb
NO_ROWS = "没有数据行"


@dataclass
class ImportReport:
    """What an import found and did: rows read per sheet, issues, rows written per sheet."""

    file_name: str
    sha256: str = ""
    rows: dict = field(default_factory=dict)
    issues: IssueList = field(default_factory=IssueList)
    written: dict = field(default_factory=dict)
    dry_run: bool = False
    submission_id: int | None = None
    raw_sheets: list = field(default_factory=list)
    typed: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.issues.errors


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(path: Path) -> None:
    """Refuse what is not an existing xlsx file of sensible size, before any parsing."""
    if not path.exists():
        raise InputError(f"文件不存在：{path}")
    if path.is_dir():
        raise InputError(f"{path} 是目录，不是文件")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path.name} 有 {size / 1048576:.0f} MB，超过上限 {MAX_FILE_BYTES // 1048576} MB")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":
        raise InputError(f"{path.name} 不是 xlsx 工作簿（Excel 2007 及以后格式）；旧版 .xls 请先另存为 .xlsx")
    check_archive(path, size)


def check_archive(path: Path, size: int) -> None:
    """Refuse a corrupt zip or one that would unpack to an absurd size (zip bomb), before parsing it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"无法读取 {path.name}：文件已损坏（{exc}）") from exc
    if unpacked > MAX_UNPACKED_BYTES or unpacked > max(size, 1) * MAX_PACK_RATIO:
        raise InputError(f"{path.name} 解压后有 {unpacked / 1048576:,.0f} MB（压缩比 {unpacked / max(size, 1):,.0f}），"
                         f"疑似压缩炸弹，已拒绝")


def check_workbook_file(path: Path, *, progress=None, chunk_rows=None, scope=None) -> ImportReport:
    """Read and check every sheet of `path`; returns the report with typed frames ready to write.

    `chunk_rows` overrides thresholds.csv `import_chunk_rows` and `import_read_chunk_rows` (rows read and
    checked at a time). With the importing user's `scope`, the 检查发现 rows must be of its department and
    categories (`rules.check_finding_scope`).
    """
    path = Path(path)
    check_file(path)
    report = ImportReport(file_name=path.name, sha256=file_sha256(path))
    raws = read_workbook(path, report.issues, read_rows=chunk_rows)
    report.raw_sheets = raws
    typed = {}
    for raw in raws:
        if raw.spec.name in typed:
            report.issues.add(raw.title, 1, "", raw.title, f"工作簿中有两个「{raw.spec.name}」工作表")
            continue
        typed[raw.spec.name] = (raw, check_sheet(raw, report.issues, chunk_rows=chunk_rows))
        report.rows[raw.spec.name] = raw.frame.height
        if progress:
            progress("check", raw.spec.name, raw.frame.height)
    _check_has_rows(report, raws)
    check_workbook(typed, report.issues)
    if "检查发现" in typed:
        check_finding_scope(*typed["检查发现"], report.issues, scope)
    report.typed = {name: frame for name, (_raw, frame) in typed.items()}
    return report


def _check_has_rows(report: ImportReport, raws: list) -> None:
    """A workbook whose recognised sheets hold headers only is an error (one empty sheet beside others is not)."""
    if raws and not report.issues.errors and not any(raw.frame.height for raw in raws):
        for raw in raws:
            report.issues.add(raw.title, 2, "", report.file_name, NO_ROWS)


def _rejection(report: ImportReport) -> str:
    errors = report.issues.errors
    if errors and all(e.message == NO_ROWS for e in errors):
        sheets = "、".join(f"「{e.sheet}」" for e in errors)
        return f"{report.file_name} 的工作表{sheets}没有数据行（只有表头），未写入任何数据"
    return f"{report.file_name} 有 {len(errors)} 处错误，未写入任何数据"


def import_workbook(*, path, actor, department="", dry_run=False, progress=None, chunk_rows=None,
                    scope=None) -> ImportReport:
    """Check `path` and, if it has no errors and this is not a dry run, write it all in one transaction.

    Rows are checked and written `chunk_rows` at a time (default: thresholds.csv `import_chunk_rows`) to bound
    memory; the chunks share the one transaction, so an error anywhere still writes nothing.

    Raises ImportRejected (carrying the report) when any error is found; nothing is written then.
    """
    report = check_workbook_file(path, progress=progress, chunk_rows=chunk_rows, scope=scope)
    report.dry_run = dry_run
    if not report.ok:
        raise ImportRejected(_rejection(report), report)
    if dry_run:
        return report
    report.raw_sheets = []  # the text cells are only needed for an error workbook; free them before writing
    now = timezone.now()
    with transaction.atomic():
        submission = Submission.objects.create(
            method=SubmissionMethod.IMPORT, department=department, file_name=report.file_name,
            file_sha256=report.sha256, actor=actor)
        report.written = write_sheets(
            sheets={n: report.typed[n] for n in (*ORDER, *EXTENSIONS) if n in report.typed}, submission_id=submission.pk,
            actor_id=getattr(actor, "pk", None), reason=f"导入 {report.file_name}", now=now,
            progress=(lambda name, n: progress("write", name, n)) if progress else None, chunk_rows=chunk_rows)
        submission.summary = {"rows": report.rows, "written": report.written}
        submission.save(update_fields=["summary"])
    report.submission_id = submission.pk
    return report


def write_frames(*, frames: dict, actor, method=SubmissionMethod.DEMO, file_name="", department="") -> dict:
    """Write already-typed frames (sheet name → frame with schema field names) as one submission.

    Used by the demo builder, which produces the same sheets as the exchange workbook without a file.
    """
    now = timezone.now()
    with transaction.atomic():
        submission = Submission.objects.create(method=method, department=department, file_name=file_name,
                                               actor=actor)
        frames = {n: f if "__row" in f.columns else f.with_row_index("__row", offset=2) for n, f in frames.items()}
        written = write_sheets(sheets=frames, submission_id=submission.pk, actor_id=getattr(actor, "pk", None),
                               reason=f"{SubmissionMethod(method).label} {file_name}".strip(), now=now)
        submission.summary = {"written": written}
        submission.save(update_fields=["summary"])
    return written

