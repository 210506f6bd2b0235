"""Issue 16 §4: 一企一档 and 一地一档 as PDF — one dossier or a zone's batch (one PDF or a zip), with the map
extract, figures, results, lists, cases and history, cut to the user's scope like the pages."""

import io
import re
import subprocess
import zipfile

import pytest
from django.contrib.auth import get_user_model

from parkgov.accounts.models import Profile
from parkgov.accounts.scopes import scope_for
from parkgov.errors import NotFound
from parkgov.governance.lists import operator_scope
from parkgov.ledger.models import Enterprise, Parcel, Zone
from parkgov.reports.dossier_pdf import dossier_pdf, dossier_zip, find_enterprise, find_parcel, zone_members
from parkgov.testing import evaluated_ledger_with_geometry, make_case, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path, actor, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARKGOV_MEDIA_ROOT = tmp_path / "media"
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    user = get_user_model().objects.create_user("economy-xw1")
    Profile.objects.create(user=user, role="economy", department="economy").zones.set([Zone.objects.get(code="SZ-XW1")])
    make_case(number="AJ-2025-0001", enterprise=Enterprise.objects.get(credit_code=uscc(1)), title="亩均低效整改")


def text_of(pdf: bytes) -> str:
    """The PDF's text, each page's lines joined (words wrapped inside a table cell read as one)."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"[ \t]*\n[ \t]*", "", text)


def pages_of(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_firm_dossier_pdf_has_real_chinese_text_map_figures_results_cases_and_history(ledger, tmp_path):
    firm = find_enterprise(scope=operator_scope(), credit_code=uscc(1))
    pdf = dossier_pdf(scope=operator_scope(), enterprises=[firm])
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in ("嵊州市甲厨具有限公司 · 一企一档", uscc(1), "用地", "SZ-0001", "年度数据", "亩均评价",
                     "2025 年", "案件", "AJ-2025-0001", "亩均低效整改", "变更记录",
                     "危废暂存间标识不全"):
        assert expected in text, expected
    assert "680" in text  # the 2025 tax figure
    # the map extract is drawn: the parcel's code is written inside its outline
    assert text.count("SZ-0001") >= 2
    path = tmp_path / "firm.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    png = (tmp_path / "page-1.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000  # a drawn page, not a blank one


def test_parcel_dossier_and_field_groups_hide_tax(ledger):
    parcel = find_parcel(scope=operator_scope(), code="SZ-0001")
    text = text_of(dossier_pdf(scope=operator_scope(), parcels=[parcel]))
    assert "地块 SZ-0001 · 一地一档" in text and "330683001002GB00012" in text and "嵊州市甲厨具有限公司" in text
    ecology = scope_for(get_user_model().objects.get(username="ecology"))
    assert not ecology.sees("tax")
    firm = find_enterprise(scope=ecology, credit_code=uscc(1))
    hidden = text_of(dossier_pdf(scope=ecology, enterprises=[firm]))
    admin = text_of(dossier_pdf(scope=operator_scope(), enterprises=[firm]))
    assert "评价税收" in admin and "评价税收" not in hidden


def test_firm_outside_the_users_parks_is_not_found(ledger):
    scope = scope_for(get_user_model().objects.get(username="economy-xw1"))
    assert find_enterprise(scope=scope, credit_code=uscc(2)).credit_code == uscc(2)  # in SZ-XW1
    with pytest.raises(NotFound):
        find_enterprise(scope=scope, credit_code=uscc(1))  # in SZ
    with pytest.raises(NotFound):
        find_parcel(scope=scope, code="SZ-0001")
    assert [f.credit_code for f in zone_members(scope=scope, zone_code="SZ-XW1")] == [uscc(2)]
    with pytest.raises(NotFound):
        zone_members(scope=scope, zone_code="SZ")


def test_zone_batch_as_one_pdf_and_as_a_zip(ledger):
    firms = zone_members(scope=operator_scope(), zone_code="SZ")
    assert [f.credit_code for f in firms] == sorted([uscc(1), uscc(2), uscc(3)])
    seen = []
    pdf = dossier_pdf(scope=operator_scope(), enterprises=firms, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)
    text = text_of(pdf)
    assert all(f.name in text for f in firms)
    archive = zipfile.ZipFile(io.BytesIO(dossier_zip(scope=operator_scope(), enterprises=firms)))
    names = archive.namelist()
    assert names == [f"{f.credit_code}-{f.name}.pdf" for f in firms]
    parts = [archive.read(name) for name in names]
    # each part is that dossier's PDF alone (a part has its own 打印于 line on top: the sum of the parts' pages may
    # exceed the one PDF's where that line pushes a dossier onto one more page)
    assert [pages_of(part) for part in parts] == [pages_of(dossier_pdf(scope=operator_scope(), enterprises=[f]))
                                                  for f in firms]
    assert sum(pages_of(part) for part in parts) >= pages_of(pdf)
    assert firms[1].name in text_of(parts[1]) and firms[0].name not in text_of(parts[1])


def test_cli_writes_the_dossier_and_refuses_a_firm_outside_the_users_parks(ledger, tmp_path):
    from typer.testing import CliRunner

    from parkgov.cli import app

    runner = CliRunner()
    out = tmp_path / "firm.pdf"
    result = runner.invoke(app, ["report", "dossier", "--firm", uscc(1), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "嵊州市甲厨具有限公司" in text_of(out.read_bytes())
    refused = runner.invoke(app, ["report", "dossier", "--firm", uscc(1), "--out", str(tmp_path / "no.pdf"),
                                  "--user", "economy-xw1"])
    assert refused.exit_code != 0 and not (tmp_path / "no.pdf").exists()
    archive = tmp_path / "zone.zip"
    assert runner.invoke(app, ["report", "dossier", "--zone", "SZ", "--parcels", "--zip", "--out", str(archive)]).exit_code == 0
    assert sorted(zipfile.ZipFile(archive).namelist()) == ["SZ-0001.pdf", "SZ-0002.pdf", "SZ-0003.pdf"]


def test_a_large_batch_is_laid_out_by_several_processes_in_order(monkeypatch):
    """issue 16 §4: from PARALLEL_FROM documents per process on, the zip's PDFs are laid out in parallel, in
    chunks written as one PDF and cut; each PDF is its own document's (its pages, its text, its drawings and
    bookmarks, nothing of the others), in the order given."""
    import gc
    import os

    from pypdf import PdfReader

    from parkgov.reports import dossier_pdf

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(dossier_pdf, "PARALLEL_FROM", 3)
    monkeypatch.setattr(dossier_pdf, "CHUNK", 3)
    parents = []
    real = dossier_pdf.render_document

    def tracked(html):
        parents.append(os.getpid())
        return real(html)
    monkeypatch.setattr(dossier_pdf, "render_document", tracked)
    drawn = '<p style="opacity: 0.5">半透明的图</p>'  # drawn as a form XObject of its own
    more = '<p style="break-before: page">续页</p>'
    documents = [f"<html><head><title>档案{n}</title></head><body><h1>档案第{n}号</h1>{drawn if n % 2 else ''}"
                 f"{more * (n % 3)}</body></html>" for n in range(7)]
    threshold = gc.get_threshold()
    pdfs = list(dossier_pdf.laid_out(documents))
    # the calling process's collector as it was: nothing left frozen (a web or job process would keep it for good)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
    texts = [text_of(pdf) for pdf in pdfs]
    assert [f"档案第{n}号" in text for n, text in enumerate(texts)] == [True] * 7
    assert [sum(f"档案第{m}号" in text for m in range(7)) for text in texts] == [1] * 7
    assert [pages_of(pdf) for pdf in pdfs] == [1 + n % 3 for n in range(7)]

    def drawings(pdf):
        reader = PdfReader(io.BytesIO(pdf))
        return sorted(len(page["/Resources"].get("/XObject", {})) for page in reader.pages)
    for n, pdf in enumerate(pdfs):
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.metadata.title == f"档案{n}" and reader.outline[0].title == f"档案第{n}号"
        alone = dossier_pdf.html_to_pdf(documents[n])
        assert drawings(pdf) == drawings(alone) and len(PdfReader(io.BytesIO(pdf)).pages) == pages_of(alone)
    assert drawings(pdfs[0]) == [0] and drawings(pdfs[1]) == [1, 1] and drawings(pdfs[3]) == [1]  # odd: drawn
    assert parents == []  # laid out in the children (their calls are not seen here)
    monkeypatch.setattr(dossier_pdf, "PARALLEL_FROM", 20)
    assert len(list(dossier_pdf.laid_out(documents[:2]))) == 2 and len(parents) == 2  # a small batch: here
    assert gc.get_threshold() == threshold


def test_figures_cite_a_source_once_per_year_when_all_of_that_years_figures_share_it(ledger):
    """issue 16 §4: a source number after each of the 年度数据 figures ran into the next column's figure; a year
    whose figures all come from one source is marked once, at the year, and only a year of mixed sources per figure."""
    from parkgov.ledger.models import YearlyFigure
    from parkgov.reports.dossier_pdf import dossier_sections

    firm = Enterprise.objects.get(credit_code=uscc(1))
    years = list(YearlyFigure.objects.filter(enterprise=firm).order_by("-year"))
    assert len(years) >= 2 and all(year.provenance for year in years)
    mixed = years[-1]
    fields = [field for field in mixed.provenance if getattr(mixed, field) is not None]
    mixed.provenance = {**mixed.provenance, fields[0]: None}  # one figure without its source
    mixed.save(update_fields=["provenance"])
    html = dossier_sections(scope=operator_scope(), enterprises=[firm])[0]
    table = html[html.index('class="figures"'):]
    rows = re.findall(r"<tr><td>(\d{4})(.*?)</tr>", table[:table.index("</table>")], re.S)
    marks = {int(year): (first.startswith("<sup>"), rest.count("<sup>")) for year, rest in rows
             for first in [rest.split("</td>", 1)[0]]}
    assert all(marks[year.year] == (True, 1) for year in years[:-1])  # the year marked, its figures not
    assert marks[mixed.year][0] is False and marks[mixed.year][1] == len(fields) - 1  # each sourced figure marked


def test_map_labels_of_adjacent_parcels_do_not_overlap():
    """issue 16 §4: two small adjacent parcels had their codes written over each other; a code that would overlap
    becomes a number beside its parcel, and the key in the corner gives the number's code."""
    import shapely

    from parkgov.ledger.choices import SupplyStatus
    from parkgov.reports.map_svg import LABEL_SIZE, _label_box, _overlap, parcels_svg

    def square(x, size=0.00004):
        return shapely.to_wkb(shapely.box(120.8 + x, 29.6, 120.8 + x + size, 29.6 + size))
    small = [Parcel(pk=n + 1, code=f"SZ-00000{n + 1}", geometry=square(n * 0.00004), supply_status=SupplyStatus.IN_USE)
             for n in range(3)]  # three small parcels side by side
    parcels = small + [Parcel(pk=9, code="SZ-000009", geometry=square(0.01, 0.002))]
    svg = parcels_svg(parcels, neighbours=False)
    centred = r'<text x="([\d.]+)" y="([\d.]+)" font-size="11" text-anchor="middle"[^>]*>([^<]+)</text>'
    labels = [(float(x), float(y), text) for x, y, text in re.findall(centred, svg)]
    boxes = [_label_box(text, x, y, LABEL_SIZE) for x, y, text in labels]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    written = [text for _x, _y, text in labels]
    assert "SZ-000009" in written and sum(text.startswith("SZ-") for text in written) == 2  # the big one, a small one
    numbered = [text for text in written if text.isdigit()]
    assert numbered == ["1", "2"]
    key = re.findall(r'text-anchor="start"[^>]*>(\d) (SZ-\d+)</text>', svg)
    assert [n for n, _code in key] == numbered
    codes = [code for _n, code in key] + [text for text in written if text.startswith("SZ-")]
    assert sorted(codes) == sorted(p.code for p in parcels)


def test_a_pdf_logs_no_weasyprint_progress_lines(caplog):
    """A batch of 1,000 dossiers wrote ten INFO lines a dossier (WeasyPrint's steps, one a page) to the log."""
    import logging

    from parkgov.reports.pdf import html_to_pdf

    with caplog.at_level(logging.INFO):
        html_to_pdf("<html><body><p>档案</p></body></html>")
    assert not [record for record in caplog.records if record.name.startswith("weasyprint.progress")]
