"""Code standards: GB 32100 credit codes, GB/T 37346 parcel codes, GB/T 4754 and land-use tables."""

import pytest

from parkgov.codes.parcel_code import parse_land_code
from parkgov.codes.tables import code_table
from parkgov.codes.units import conversion_factor
from parkgov.codes.uscc import check_character, check_uscc, make_uscc
from parkgov.units import SQUARE_METRES_PER_MU, square_metres_to_mu


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43", "91310000775785552L"])
def test_published_credit_codes_are_valid(code):
    result = check_uscc(code)
    assert result.ok and not result.warnings


def test_credit_code_normalisation_and_errors():
    assert check_uscc(" 9111 0000 6000 3734 1l ").code == "91110000600037341L"
    assert check_uscc("９１１１００００６０００３７３４１Ｌ").ok
    assert "校验码错误：第18位应为 L，实为 M" in check_uscc("91110000600037341M").errors[0]
    assert "长度应为18位" in check_uscc("9111000060003734").errors[0]
    assert "不允许的字符 I" in check_uscc("9111000060003734IL").errors[0]


def test_embedded_organisation_code_is_only_a_warning():
    body = "91330683" + "12345678" + "0"  # wrong org check character 0 (should be 8)
    code = body + check_character(body)
    result = check_uscc(code)
    assert result.ok and "组织机构代码" in result.warnings[0]


def test_made_codes_validate():
    assert check_uscc(make_uscc("9", "1", "330683", "MA2D8X2Y")).ok


def test_land_code_parts_and_unit_code():
    parsed = parse_land_code("330683001002GB00012W00000000")
    assert (parsed.land_code, parsed.division, parsed.cadastral_district, parsed.cadastral_subdistrict,
            parsed.ownership_letter, parsed.right_letter, parsed.sequence, parsed.unit_suffix) == \
        ("330683001002GB00012", "330683", "001", "002", "G", "B", "00012", "W00000000")
    assert parsed.ownership == "state"
    assert parsed.parts_zh()[0] == ("县级行政区划代码", "330683", "嵊州市")
    assert parse_land_code("330683001003JA00001").ownership == "collective"


@pytest.mark.parametrize("code, message", [
    ("330683001002GB0001", "应为19位"),
    ("33068300100AGB00012", "前12位"),
    ("330683001002QB00012", "第13位"),
    ("330683001002GQ00012", "第14位"),
    ("330683001002GB00000", "00001-99999"),
    ("330683001002GB00012K00000000", "定着物单元代码"),
])
def test_land_code_errors_name_the_part(code, message):
    with pytest.raises(ValueError, match=message):
        parse_land_code(code)


def test_industry_table_is_complete_where_required():
    table = code_table("gbt4754_2017")
    assert len(table.codes("section")) == 20
    assert len(table.codes("division")) == 97
    manufacturing = [c for c in table.codes("class") if 13 <= int(c[:2]) <= 43]
    assert len(manufacturing) >= 600
    assert table.label("3854") == "家用厨房电器具制造"
    for code in table.codes("class"):
        assert table.get(table.get(code).parent).level == "group"
    assert all(not e.verified and e.source for e in table.entries.values())


def test_land_use_table_has_industrial_classes():
    table = code_table("land_use_2023")
    assert table.label("100101") == "一类工业用地"
    assert len(table.codes("1")) == 24


def test_mu_is_exact():
    assert SQUARE_METRES_PER_MU * 15 == 10000
    assert square_metres_to_mu(20000) == 30
    assert conversion_factor("亩", "平方米") == SQUARE_METRES_PER_MU
    assert conversion_factor("元", "万元") * 10000 == 1
    assert conversion_factor("斤", "平方米") is None
