"""GB/T 37346-2019 宗地代码 (19 characters) and 不动产单元代码 (28 characters): structure and parts.

The code has no check digit; validation is structural. Feature letters come from the data table
`parcel_feature_codes.csv` so that later letters (e.g. L, N) are added as data, not code.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from parkgov.codes.tables import code_table

OWNERSHIP_BY_FIRST_LETTER = {"G": "state", "J": "collective", "Z": "undetermined"}


@dataclass(frozen=True)
class ParcelCode:
    """The parts of a 宗地代码, plus the 定着物单元代码 when a 28-character unit code was given."""

    land_code: str
    division: str
    cadastral_district: str
    cadastral_subdistrict: str
    ownership_letter: str
    right_letter: str
    sequence: str
    unit_suffix: str = ""

    @property
    def ownership(self) -> str:
        """'state', 'collective' or 'undetermined' from the first feature letter."""
        return OWNERSHIP_BY_FIRST_LETTER.get(self.ownership_letter, "undetermined")

    def parts_zh(self) -> list:
        """(label, value, meaning) rows for dossiers and error messages; labels are msgids, translated where shown."""
        features = code_table("parcel_feature_codes")
        first = features.get(f"1{self.ownership_letter}")
        second = features.get(f"2{self.right_letter}")
        return [
            (gettext_noop("县级行政区划代码"), self.division, code_table("admin_divisions").label(self.division)),
            (gettext_noop("地籍区"), self.cadastral_district, ""),
            (gettext_noop("地籍子区"), self.cadastral_subdistrict, ""),
            (gettext_noop("宗地特征码（所有权）"), self.ownership_letter, first.name if first else ""),
            (gettext_noop("宗地特征码（使用权）"), self.right_letter, second.name if second else ""),
            (gettext_noop("宗地顺序号"), self.sequence, ""),
        ]


def normalise_land_code(raw) -> str:
    """Strip spaces, upper-case, full-width to half-width."""
    if raw is None:
        return ""
    text = "".join(str(raw).split()).upper()
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in text)


def parse_land_code(raw) -> ParcelCode:
    """Parse a 19-character 宗地代码 or a 28-character 不动产单元代码; raise ValueError with a Chinese reason."""
    code = normalise_land_code(raw)
    if len(code) not in (19, 28):
        raise ValueError(f"宗地代码应为19位（或28位不动产单元代码），实为{len(code)}位")
    if not code[:12].isdigit():
        raise ValueError(f"前12位（行政区划6位+地籍区3位+地籍子区3位）应为数字，实为 {code[:12]}")
    features = code_table("parcel_feature_codes")
    if f"1{code[12]}" not in features:
        allowed = "、".join(c[1:] for c in features.codes(level="1"))
        raise ValueError(f"第13位宗地特征码（所有权类型）{code[12]} 不在允许值 {allowed} 中")
    if f"2{code[13]}" not in features:
        allowed = "、".join(c[1:] for c in features.codes(level="2"))
        raise ValueError(f"第14位宗地特征码（使用权类型）{code[13]} 不在允许值 {allowed} 中")
    if not code[14:19].isdigit() or code[14:19] == "00000":
        raise ValueError(f"第15-19位宗地顺序号应为 00001-99999，实为 {code[14:19]}")
    suffix = code[19:]
    if suffix:
        attachments = code_table("attachment_feature_codes")
        if suffix[0] not in attachments or not suffix[1:].isdigit():
            raise ValueError(f"第20-28位定着物单元代码 {suffix} 无效（首位应为 "
                             f"{'、'.join(attachments.codes())}，其后8位数字）")
    return ParcelCode(code[:19], code[:6], code[6:9], code[9:12], code[12], code[13], code[14:19], suffix)


def format_land_code(*, division, district, subdistrict, feature, sequence) -> str:
    """Compose a 宗地代码 from parts (used by the demo generator)."""
    return f"{division}{district:03d}{subdistrict:03d}{feature}{sequence:05d}"
