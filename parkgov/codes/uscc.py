"""GB 32100-2015 统一社会信用代码 (unified social credit code): structure, check character, embedded GB 11714 code."""

from dataclasses import dataclass, field

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


@dataclass
class UsccCheck:
    """Result of checking one code: the normalised code, errors (reject) and warnings (accept, flag)."""

    code: str
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


def check_character(body17: str) -> str:
    """The 18th character for the first 17 (GB 32100 §4: weights 3^(i-1) mod 31)."""
    total = sum(_VALUES[c] * w for c, w in zip(body17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check_character(body8: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters."""
    total = 0
    for c, w in zip(body8, ORG_WEIGHTS):
        total += (int(c) if c.isdigit() else ord(c) - 55) * w
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_uscc(raw) -> UsccCheck:
    """Check a credit code: length, charset, division digits, check character; org code as a warning."""
    code = normalise_uscc(raw)
    result = UsccCheck(code=code)
    if len(code) != 18:
        result.errors.append(f"长度应为18位，实为{len(code)}位")
        return result
    bad = sorted({c for c in code if c not in _VALUES})
    if bad:
        result.errors.append(f"含不允许的字符 {''.join(bad)}（允许 0-9 及除 I、O、S、V、Z 外的大写字母）")
        return result
    if not code[2:8].isdigit():
        result.errors.append(f"第3-8位登记管理机关行政区划码应为6位数字，实为 {code[2:8]}")
        return result
    expected = check_character(code[:17])
    if code[17] != expected:
        result.errors.append(f"校验码错误：第18位应为 {expected}，实为 {code[17]}")
        return result
    org = code[8:17]
    if all(c.isdigit() or "A" <= c <= "Z" for c in org[:8]) and organisation_check_character(org[:8]) != org[8]:
        result.warnings.append(f"内嵌组织机构代码 {org[:8]}-{org[8]} 的校验位不符（应为 {organisation_check_character(org[:8])}）")
    return result


def normalise_uscc(raw) -> str:
    """Upper-case, strip spaces and hyphens, full-width to half-width."""
    if raw is None:
        return ""
    text = str(raw).translate(_FULLWIDTH).upper()
    return "".join(text.split()).replace("-", "")


def make_uscc(authority: str, category: str, division: str, org_body8: str) -> str:
    """Build a valid code from its parts (used by the demo generator and tests)."""
    org = org_body8 + organisation_check_character(org_body8)
    body = f"{authority}{category}{division}{org}"
    return body + check_character(body)


_FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


def valid_codes(codes):
    """Vectorised check over a Polars String Series of normalised codes: True where the code is fully valid
    (length, charset, digits in 3–8, check character) and its embedded organisation code checks too.

    Codes that fail need `check_uscc` for the reason; this is the fast path for the many good ones.
    """
    import polars as pl

    frame = pl.DataFrame({"code": codes})
    shape = pl.col("code").str.contains(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
    values = {c: i for i, c in enumerate(CHARSET)}
    total = pl.lit(0, dtype=pl.Int64)
    for i, weight in enumerate(WEIGHTS):
        char = pl.col("code").str.slice(i, 1).replace_strict(values, default=0, return_dtype=pl.Int64)
        total = total + char * weight
    expected = ((31 - total % 31) % 31).replace_strict(dict(enumerate(CHARSET)), return_dtype=pl.String)
    org_values = {str(d): d for d in range(10)} | {chr(65 + i): 10 + i for i in range(26)}
    org_total = pl.lit(0, dtype=pl.Int64)
    for i, weight in enumerate(ORG_WEIGHTS):
        char = pl.col("code").str.slice(8 + i, 1).replace_strict(org_values, default=0, return_dtype=pl.Int64)
        org_total = org_total + char * weight
    org_value = 11 - org_total % 11
    org_expected = pl.when(org_value == 10).then(pl.lit("X")).when(org_value == 11).then(pl.lit("0")) \
        .otherwise(org_value.cast(pl.String))
    result = frame.select(
        (shape.fill_null(False) & (pl.col("code").str.slice(17, 1) == expected)
         & (pl.col("code").str.slice(16, 1) == org_expected)).fill_null(False).alias("ok"))
    return result.get_column("ok")
