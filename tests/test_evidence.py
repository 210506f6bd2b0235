"""Issue 14 §1: evidence attachments — type by content, size limit, stored by SHA-256 outside the web roots,
served by the scoped download only to users who may read the finding or case (404 for everyone else)."""

import hashlib

import pytest

from parkgov.testing import staff_roles
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parkgov.accounts.scopes import role_table
from parkgov.errors import ConfigError, InputError
from parkgov.governance.evidence import max_bytes, store_attachment
from parkgov.governance.models import Attachment
from parkgov.testing import governance_world, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

EVERY = {"ecology-environment", "enforcement-illegal", "fire-fire", "emergency-safety", "market-unlicensed",
         "ecology-other", "ecology-safety"}
IN_XW1 = {"fire-fire", "emergency-safety", "market-unlicensed", "ecology-other"}
# what each role reads without a park: its categories and, for departments, its own findings only
READS = {"admin": EVERY, "committee": EVERY, "economy": EVERY, "natural_resources": EVERY,
         "ecology": {"ecology-environment", "ecology-other"}, "emergency": {"emergency-safety"},
         "fire": {"fire-fire"}, "enforcement": {"enforcement-illegal"}, "market": {"market-unlicensed"},
         "tax": set(), "statistics": set(), "development_reform": set(), "housing": set(), "investment": set()}


@pytest.fixture
def evidence_dir(settings, tmp_path):
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "evidence"
    return settings.PARKGOV_EVIDENCE_DIR


@pytest.fixture
def world(tmp_path, actor, settings, evidence_dir):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    return governance_world(folder=tmp_path, actor=actor)


def stored_files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() \
        else []


def test_roles_table_matches_the_expectations():
    assert set(READS) == set(staff_roles())  # issue 16 §5: enterprise accounts in tests/test_scope.py


def test_a_png_is_kept_by_its_sha256_and_twins_share_one_file(world, actor, evidence_dir):
    data = png_bytes()
    first = store_attachment(upload=SimpleUploadedFile("现场照片.PNG", data, content_type="text/html"),
                             actor=actor, finding=world["fire-fire"])
    second = store_attachment(upload=("C:\\照片\\again.png", data), actor=actor, finding=world["ecology-other"])
    digest = hashlib.sha256(data).hexdigest()
    assert (first.content_type, first.size, first.sha256, first.original_name) == \
        ("image/png", len(data), digest, "现场照片.PNG")  # the declared text/html is ignored
    assert second.original_name == "again.png"
    assert stored_files(evidence_dir) == [f"{digest[:2]}/{digest}.png"]
    assert (evidence_dir / first.stored_name).read_bytes() == data


@pytest.mark.parametrize("name,data,kind", [
    ("scan.pdf", pdf_bytes(), "application/pdf"),
    ("photo.jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "image/jpeg"),
    ("photo.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40, "image/webp"),
    ("named-wrongly.pdf", png_bytes(), "image/png"),
])
def test_the_type_comes_from_the_content(world, actor, name, data, kind):
    assert store_attachment(upload=(name, data), actor=actor, finding=world["fire-fire"]).content_type == kind


@pytest.mark.parametrize("name,data", [
    ("程序.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),  # a Windows executable renamed .png
    ("page.pdf", b"<html><script>alert(1)</script></html>"),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),  # the signature without an image header
])
def test_a_file_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_written(world, actor, evidence_dir, name,
                                                                               data):
    with pytest.raises(InputError) as refused:
        store_attachment(upload=(name, data), actor=actor, finding=world["fire-fire"])
    assert str(refused.value) == (f"文件“{name}”未能作为证据材料上传：按文件内容判断，它不是 PNG、JPEG、WebP 图片或"
                                  " PDF 文件（扩展名不作依据）")
    assert stored_files(evidence_dir) == [] and not Attachment.objects.exists()


def test_an_oversize_file_is_refused_by_the_threshold_and_nothing_is_written(world, actor, evidence_dir):
    assert max_bytes() == 20 * 1024 * 1024  # thresholds.csv evidence_max_bytes
    with pytest.raises(InputError) as refused:
        store_attachment(upload=SimpleUploadedFile("大图.png", png_bytes(b"\x00" * max_bytes())), actor=actor,
                         finding=world["fire-fire"])
    assert str(refused.value) == "文件“大图.png”未能作为证据材料上传：超过大小上限 20 MB"
    assert stored_files(evidence_dir) == [] and not Attachment.objects.exists()
    exact = png_bytes(b"\x00" * (max_bytes() - len(png_bytes())))
    assert store_attachment(upload=("exact.png", exact), actor=actor, finding=world["fire-fire"]).size == max_bytes()


def test_an_empty_file_is_refused(world, actor):
    with pytest.raises(InputError, match="文件“空.png”未能作为证据材料上传：文件为空"):
        store_attachment(upload=("空.png", b""), actor=actor, finding=world["fire-fire"])


def test_the_evidence_folder_may_not_lie_under_a_served_root(world, actor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PARKGOV_EVIDENCE_DIR = tmp_path / "media" / "evidence"
    with pytest.raises(ConfigError, match="PARKGOV_EVIDENCE_DIR"):
        store_attachment(upload=("a.png", png_bytes()), actor=actor, finding=world["fire-fire"])
    settings.MEDIA_ROOT = ""
    settings.PARKGOV_EVIDENCE_DIR = settings.STATIC_ROOT
    with pytest.raises(ConfigError):
        store_attachment(upload=("a.png", png_bytes()), actor=actor, finding=world["fire-fire"])
    assert not Attachment.objects.exists()


def users():
    return [(role, None) for role in sorted(READS)] + [(role, "SZ-XW1") for role in sorted(READS) if role != "admin"]


@pytest.mark.parametrize("role,park", users())
def test_the_download_serves_exactly_the_findings_in_scope_and_404_elsewhere(client, world, actor, role, park):
    files = {label: store_attachment(upload=(f"{label}.png", png_bytes(label.encode())), actor=actor,
                                     finding=finding) for label, finding in world.items()}
    client.force_login(get_user_model().objects.get(username=role if park is None else f"{role}-xw1"))
    served = set()
    for label, record in files.items():
        response = client.get(reverse("governance:attachment", args=[record.pk]))
        assert response.status_code in (200, 404), (label, response.status_code)
        if response.status_code == 200:
            served.add(label)
            assert b"".join(response.streaming_content) == png_bytes(label.encode())
            assert response["Content-Type"] == "image/png"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Disposition"] == f'attachment; filename="{label}.png"'
    assert served == (READS[role] if park is None else READS[role] & IN_XW1)


def test_the_download_keeps_a_chinese_name_and_fixes_a_wrong_extension(client, world, actor):
    named = store_attachment(upload=("整改前照片.jpg", png_bytes()), actor=actor, finding=world["fire-fire"])
    client.force_login(get_user_model().objects.get(username="fire"))
    response = client.get(reverse("governance:attachment", args=[named.pk]))
    assert response["Content-Disposition"] == \
        "attachment; filename*=utf-8''%E6%95%B4%E6%94%B9%E5%89%8D%E7%85%A7%E7%89%87.jpg.png"


def test_the_download_needs_a_login_and_404s_for_a_missing_record_or_file(client, world, actor, evidence_dir):
    record = store_attachment(upload=("a.pdf", pdf_bytes()), actor=actor, finding=world["fire-fire"])
    url = reverse("governance:attachment", args=[record.pk])
    assert client.get(url).status_code == 302
    client.force_login(get_user_model().objects.get(username="admin"))
    assert client.get(url)["Content-Type"] == "application/pdf"
    assert client.get(reverse("governance:attachment", args=[record.pk + 1])).status_code == 404
    (evidence_dir / record.stored_name).unlink()
    assert client.get(url).status_code == 404


def test_case_evidence_follows_the_case_domain_and_parks(world, actor):
    """A case's attachment (and its event's): readable by roles reading cases in the case's park, else not."""
    from parkgov.accounts.scopes import scope_for
    from parkgov.governance.evidence import may_read_attachment
    from parkgov.governance.models import Case, CaseEvent
    from parkgov.ledger.models import Enterprise

    firm = Enterprise.objects.select_related("zone").get(credit_code=world["fire-fire"].enterprise.credit_code)
    case = Case.objects.create(number="ZL-2025-0001", title="整治", enterprise=firm, zone=firm.zone,
                               lead_department="economy", departments=["fire"], deadline="2025-12-31")
    event = CaseEvent.objects.create(case=case, action="submit", actor=actor)
    record = store_attachment(upload=("验收.pdf", pdf_bytes()), actor=actor, event=event)
    assert (record.case_id, record.event_id, record.finding_id) == (case.pk, event.pk, None)
    readers = {role for role, spec in role_table()["roles"].items() if "case" in spec["read"]} & set(staff_roles())
    User = get_user_model()
    for role in READS:
        assert may_read_attachment(attachment=record, scope=scope_for(User.objects.get(username=role))) == \
            (role in readers), role
        if role != "admin":  # the case lies in SZ-XW1: park-limited readers see it too
            assert may_read_attachment(attachment=record, scope=scope_for(User.objects.get(username=f"{role}-xw1"))) \
                == (role in readers), role
    case.zone = firm.zone.parent
    case.save()
    assert not may_read_attachment(attachment=record, scope=scope_for(User.objects.get(username="fire-xw1")))
    assert may_read_attachment(attachment=record, scope=scope_for(User.objects.get(username="fire")))
