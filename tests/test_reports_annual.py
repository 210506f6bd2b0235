"""Issue 16 §4: the annual evaluation report of a zone — a real Chinese PDF with a table of contents, charts,
tables whose header repeats across pages, page numbers, and the sections the user's role may read."""

import re
import subprocess

import pytest
from django.contrib.auth import get_user_model

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import scope_for
from parkgov.errors import NotFound
from parkgov.governance.lists import operator_scope
from parkgov.ledger.models import Enterprise, Zone
from parkgov.reports.annual import annual_report, annual_report_pdf
from parkgov.testing import evaluated_ledger_with_geometry, make_case, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    user = get_user_model().objects.create_user("economy-xw1")
    Profile.objects.create(user=user, role="economy", department="economy").zones.set([Zone.objects.get(code="SZ-XW1")])
    make_case(number="AJ-2025-0001", enterprise=Enterprise.objects.get(credit_code=uscc(1)), title="亩均低效整改")


def text_of(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_annual_report_pdf_has_contents_charts_page_numbers_and_real_chinese(ledger, tmp_path):
    pdf = annual_report_pdf(scope=operator_scope(), zone_code="SZ", year=2025)
    text = text_of(pdf)
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 5
    assert "嵊州经济开发区" in pages[0] and "2025 年度亩均效益与土地集约利用评价报告" in pages[0]
    contents = pages[1]
    for title in ("一、概况", "二、分类与档位分布", "四、排名", "六、治理清单与案件进展", "八、底线指标与绿色发展"):
        assert title in contents, title
    # the contents give each section's page number: "四、排名 .... 5", and that page holds the section
    line = next(line for line in contents.splitlines() if "四、排名" in line)
    page = int(re.findall(r"(\d+)\s*$", line)[0])
    assert "四、排名" in pages[page - 1]
    assert f"{page} / {len(pages) - 1 if not pages[-1].strip() else len(pages)}" in pages[page - 1]
    assert text.count("亩均") >= 3 and "嵊州市甲厨具有限公司" in text and "AJ-2025-0001" not in text  # counts only
    assert "待派" in text  # case progress by state
    path = tmp_path / "annual.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", "-f", "4", "-l", "4", str(path), str(tmp_path / "p")], check=True)
    assert (tmp_path / "p.png").stat().st_size > 8000  # the page with the class charts is drawn


def test_annual_report_follows_the_users_scope(ledger):
    xw1 = scope_for(get_user_model().objects.get(username="economy-xw1"))
    with pytest.raises(NotFound):
        annual_report(scope=xw1, zone_code="SZ", year=2025)
    own = annual_report(scope=xw1, zone_code="SZ-XW1", year=2025)
    assert own["firm_count"] == 1
    assert {r.enterprise.credit_code for r in own["evaluation"]["top"]} <= {uscc(2)}
    ecology = scope_for(get_user_model().objects.get(username="ecology"))
    hidden = annual_report(scope=ecology, zone_code="SZ", year=2025)
    assert not ecology.sees("tax")
    assert "evaluation" not in hidden or not hidden["evaluation"]["sees_tax"]
    assert all("tax" not in str(label) for label in hidden["figures"].get("columns", []))


def test_table_header_repeats_on_every_page_of_a_long_table(ledger):
    from parkgov.reports.pdf import html_to_pdf

    rows = "".join(f"<tr><td>{n}</td><td>企业{n}</td></tr>" for n in range(400))
    pdf = html_to_pdf(f"<html><body><table><thead><tr><th>序号</th><th>重复表头</th></tr></thead>"
                      f"<tbody>{rows}</tbody></table></body></html>")
    pages = [p for p in text_of(pdf).split("\f") if p.strip()]
    assert len(pages) > 3 and all("重复表头" in p for p in pages)
    assert all(f"{n} / {len(pages)}" in p for n, p in enumerate(pages, start=1))
