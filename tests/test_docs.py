"""Documentation stays in step with the code: commands, settings, sheets, data tables, glossary, UI terms."""

import csv
import re
from pathlib import Path

from parkgov.cli import app, export_app
from parkgov.codes.tables import DATA_DIR
from parkgov.ingest.schema import SHEETS, header_of
from tests.test_i18n import CATALOGUE, read_po

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "user-guide" / "数据交换.md").read_text(encoding="utf-8")
GLOSSARY = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names = [n.rstrip("_") for n in names] + [f"export {c.name}" for c in export_app.registered_commands]
    for name in names:
        assert f"parkgov {name}" in README, name


def test_every_setting_read_from_the_environment_is_documented():
    settings_source = (ROOT / "parkgov" / "settings.py").read_text(encoding="utf-8")
    for name in set(re.findall(r'"(PARKGOV_[A-Z_]+)"', settings_source)) - {"PARKGOV_TEST_SQLITE"}:
        assert name in settings_source.split('"""')[1] or name in README, name


def test_every_exchange_column_is_in_the_user_guide():
    for sheet in SHEETS:
        assert f"### {sheet.name}" in GUIDE
        for column in sheet.columns:
            assert header_of(column) in GUIDE, (sheet.name, column.header)


def test_every_data_table_row_has_a_source_and_verified_flag():
    for path in DATA_DIR.glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                assert row["source"].strip(), (path.name, row)
                assert row["verified"] in ("true", "false"), (path.name, row)


def test_glossary_names_every_model_field_shown_to_users():
    from parkgov.ledger import models

    for model in (models.Parcel, models.Enterprise, models.YearlyFigure, models.LandLink):
        for field in model._meta.concrete_fields:
            if field.editable and not field.primary_key and not field.is_relation and field.name != "provenance":
                assert f"`{field.name}`" in GLOSSARY or field.name in GLOSSARY, (model.__name__, field.name)


def test_english_catalogue_uses_the_glossary_terms():
    section = GLOSSARY.split("## 英文界面用语")[1]
    pairs = []
    for chinese, english in re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", section, re.M)[1:]:  # skip the header
        pairs += zip(chinese.split(" / "), english.split(" / "))
    assert len(pairs) > 10
    entries = [e for e in read_po(CATALOGUE / "django.po") if e["msgid"]]

    def plain(text):  # "approved-but-not-supplied land" uses the term too
        return text.lower().replace("-", " ")

    for chinese, english in pairs:
        using = [e for e in entries if chinese in e["msgid"]]
        assert using, chinese
        for entry in using:
            for text in entry["msgstr"]:
                assert plain(english) in plain(text), (chinese, english, entry["msgid"], text)


def test_readme_states_what_make_demo_and_make_test_need():
    """Issue 13 §3: the README names the prerequisites of `make demo` and `make test`, and the Makefile checks
    the two that `make venv` cannot do without."""
    section = README.split("**Prerequisites")[1].split("\n## ")[0]
    for needed in ("Python 3.11", "npm", "chromium", "fonts-noto-cjk", "PostgreSQL 15", "server mode", "pg_dump"):
        assert needed in section, needed
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "command -v $(PYTHON)" in makefile and "command -v npm" in makefile


def test_backup_is_documented_for_operators():
    """Issue 13 §3: every refusal of `parkgov restore` is in docs/operations/backup.md."""
    guide = (ROOT / "docs" / "operations" / "backup.md").read_text(encoding="utf-8")
    for refusal in ("不完整或已损坏", "缺少清单", "校验和不符", "数据库结构比本程序新", "不支持跨数据库类型恢复", "不是空的"):
        assert refusal in guide, refusal
    assert "docs/operations/backup.md" in README
