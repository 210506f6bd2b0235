"""Checks of one zone land account: the parts against their totals (standards.md §1.2: A = A1+…+A6, the land
A+B+C within the total, idle land within the supplied land, industrial buildings within all buildings).

An error is a sum that cannot hold (the parts exceed the total); a warning is one that may, but needs a look (the
parts fall short of the total: unclassified land). The 园区土地 import refuses errors and reports warnings; the
account page shows both.
"""

from parkgov.zones.fields import GROUPS

ERROR, WARNING = "error", "warning"


def group_sum(values: dict, group: str):
    """The sum of the group's stated parts (None when none is stated)."""
    parts = [values.get(code.lower()) for code in GROUPS[group]]
    stated = [p for p in parts if p is not None]
    return sum(stated) if stated else None


def _fmt(x) -> str:
    return f"{x:,.2f}"


def account_problems(values: dict, *, tolerance: float) -> list[dict]:
    """[{level, field, message}] for one account's values (field names of fields.FIELDS)."""
    found = []
    a, b, c, d = (group_sum(values, g) for g in ("A", "B", "C", "D"))
    land = [x for x in (a, b, c) if x is not None]
    total = values.get("total_area")
    if total is not None and land:
        parts = sum(land)
        if parts > total + tolerance:
            found.append({"level": ERROR, "field": "total_area", "message":
                          f"A+B+C 合计 {_fmt(parts)} 公顷，超过土地总面积 {_fmt(total)} 公顷"})
        elif parts < total - tolerance:
            found.append({"level": WARNING, "field": "total_area", "message":
                          f"A+B+C 合计 {_fmt(parts)} 公顷，少于土地总面积 {_fmt(total)} 公顷（{_fmt(total - parts)} 公顷未分类）"})
    g = values.get("g")
    if g is not None and d is not None and g > d + tolerance:
        found.append({"level": ERROR, "field": "g", "message": f"闲置土地 G {_fmt(g)} 公顷，超过已供应土地 D {_fmt(d)} 公顷"})
    ready = (a or 0) + (values.get("b21") or 0)
    if d is not None and (a is not None or values.get("b21") is not None) and d > ready + tolerance:
        found.append({"level": WARNING, "field": "d21", "message":
                      f"已供应土地 D {_fmt(d)} 公顷，多于已达到供地条件的土地 A+B21 {_fmt(ready)} 公顷（供应率将超过 100%）"})
    pairs = (("industrial_floor_area", "floor_area", "工矿仓储总建筑面积", "总建筑面积", "万平方米"),
             ("industrial_footprint_area", "footprint_area", "工矿仓储建筑基底面积", "建筑基底总面积", "万平方米"),
             ("a2", None, "工矿仓储用地 A2", "已建成城镇建设用地 A", "公顷"))
    for part, whole, part_name, whole_name, unit in pairs:
        x, y = values.get(part), (a if whole is None else values.get(whole))
        if x is not None and y is not None and x > y + tolerance:
            found.append({"level": ERROR, "field": part, "message":
                          f"{part_name} {_fmt(x)} {unit}，超过{whole_name} {_fmt(y)} {unit}"})
    for footprint, base, name in (("footprint_area", a, "A"), ("industrial_footprint_area", values.get("a2"), "A2")):
        x = values.get(footprint)
        if x is not None and base is not None and x > base + tolerance:
            found.append({"level": ERROR, "field": footprint, "message":
                          f"建筑基底面积 {_fmt(x)} 万平方米超过其用地 {name} {_fmt(base)} 公顷（建筑密度超过 100%）"})
    return found
