"""Parcel split and merge with lineage (issue 17 §2), and the parcels as they were on a date.

One call is one transaction (a savepoint when the caller already holds one): the new parcels are written with
their codes, areas, links and figures carried over by the rule the user confirmed, the old parcels are ended (their
`ended_on` set, never deleted), a lineage edge is written from every old to every new parcel, and every row written
carries a history record naming the actor and the operation (the audit trail; the history signal also bumps the
change tokens that the map's caches follow). Anything refused raises InputError with a Chinese message and writes
nothing. The scope is checked here, so the web page and the API refuse the same things: a parcel outside the
user's parks is NotFound (its existence is not disclosed), a role that may not edit parcels is PermissionDenied.

Areas compared are ellipsoidal (`parkgov.ledger.geometry.ellipsoidal_areas`, the measure of the topology checks); the
tolerances, the provisional code rule and the carry-over rules are data (`data/editing.yaml`).
"""

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry
import shapely.ops
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field

from parkgov.audit.context import acting_as
from parkgov.codes.datafiles import load_validated
from parkgov.errors import ConfigError, InputError, NotFound
from parkgov.ledger.choices import LineageOperation
from parkgov.ledger.models import LandLink, Parcel, ParcelLineage
from parkgov.ledger.services import PARCEL_MEASURES, geometry_columns, parcel_problems
from parkgov.ledger.geometry import ellipsoidal_areas

RULES_FILE = Path(__file__).resolve().parent / "data" / "editing.yaml"
COPIED_FIELDS = ("zone_id", "land_use_code", "ownership", "supply_status", "supply_method", "supply_date",
                 "term_years", "building_year", "building_quality", "land_procedures")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    relative: float = Field(gt=0)
    absolute_m2: float = Field(ge=0)

    def limit(self, area_m2: float) -> float:
        """The difference (m²) at and above which an area is refused, for a parcel of `area_m2`."""
        return max(self.relative * area_m2, self.absolute_m2)


class CodeRule(_Strict):
    split: str = Field(pattern=r"\{parent\}.*\{n\}")
    merge: str = Field(pattern=r"\{first\}.*\{n\}")


class Choice(_Strict):
    name: str
    help: str


class EditingRules(_Strict):
    source: str
    verified: bool
    area_tolerance: Tolerance
    overlap_max_m2: float = Field(ge=0)
    min_part_m2: float = Field(ge=0)
    provisional_code: CodeRule
    links: dict[str, Choice]
    figures: dict[str, Choice]
    figure_fields: list[str]

    def model_post_init(self, context):
        if set(self.links) != {"area_share", "largest", "chosen"}:
            raise ValueError("links: 应列出且只列出 area_share、largest、chosen")
        if set(self.figures) != {"proportional", "largest", "blank"}:
            raise ValueError("figures: 应列出且只列出 proportional、largest、blank")
        unknown = [f for f in self.figure_fields if f not in {x.name for x in Parcel._meta.concrete_fields}]
        if unknown:
            raise ValueError(f"figure_fields: {'、'.join(unknown)} 不是地块字段")


@cache
def editing_rules(path: Path = RULES_FILE) -> EditingRules:
    """The split/merge rules (validated; errors name the file and the YAML path)."""
    return load_validated(path, EditingRules, noun="地块分割合并规则文件", error=ConfigError)


@dataclass
class Part:
    """One new parcel of a plan: its shape, drawn area, recorded area share, codes and carried figures."""

    geometry: object
    area_m2: float
    share: float
    code: str = ""
    land_code: str | None = None
    provisional: bool = False
    registered_area_m2: float = 0.0
    figures: dict = field(default_factory=dict)


@dataclass
class Plan:
    """What a split or merge will write (the preview shows it; the confirm writes it)."""

    operation: str
    sources: list
    parts: list
    original_m2: float
    links: list = field(default_factory=list)  # (old link, [(part index, share)])

    @property
    def total_m2(self) -> float:
        return float(sum(p.area_m2 for p in self.parts))

    @property
    def difference_m2(self) -> float:
        return self.total_m2 - self.original_m2


@dataclass
class EditResult:
    """A written split or merge: its operation id, the ended and the new parcels."""

    operation_id: str
    ended: list
    created: list


def editable_parcel(*, scope, code: str) -> Parcel:
    """The current parcel `code` in the user's parks, for a role that may edit parcels."""
    scope.require("parcel", write=True)
    found = scope.filter_zones(Parcel.objects.select_related("zone"), "zone_id").filter(code=code).first()
    if found is None:
        raise NotFound(f"地块 {code} 不存在或不在您的数据范围内")
    if found.ended_on is not None:
        raise InputError(f"地块 {code} 已于 {found.ended_on:%Y-%m-%d} 灭失（分割或合并），不能再分割或合并")
    if not found.geometry:
        raise InputError(f"地块 {code} 没有图形，请先导入图形再分割或合并")
    return found


def plan_split(*, parcel: Parcel, by, codes=(), land_codes=(), figures="proportional") -> Plan:
    """The parts of `parcel` cut by a line (LineString/MultiLineString) or given as polygons, checked and coded."""
    rules = editing_rules()
    original = shapely.from_wkb(bytes(parcel.geometry))
    if isinstance(by, (list, tuple)):
        shapes = _given_parts(original, list(by), parcel.code, rules)
    elif getattr(by, "geom_type", "") in ("LineString", "MultiLineString"):
        shapes = _cut(original, by, parcel.code, rules)
    else:
        raise InputError("分割依据应为分割线（LineString）或分割后的各块面（Polygon）")
    areas = ellipsoidal_areas(np.asarray(shapes, dtype=object))
    plan = Plan(operation=LineageOperation.SPLIT, sources=[parcel], original_m2=float(ellipsoidal_areas([original])[0]),
                parts=[Part(geometry=g, area_m2=float(a), share=float(a / areas.sum())) for g, a in zip(shapes, areas)])
    _shares_of_recorded(plan.parts, parcel.registered_area_m2)
    _assign_codes(plan, codes, land_codes, ownership=parcel.ownership)
    _carry_figures(plan, figures)
    return plan


def _cut(original, line, code, rules) -> list:
    pieces = []
    for polygon in getattr(original, "geoms", [original]):
        pieces.extend(shapely.ops.split(polygon, line).geoms)
    crumbs = [p for p, a in zip(pieces, ellipsoidal_areas(np.asarray(pieces, dtype=object))) if a < rules.min_part_m2]
    pieces = [p for p in pieces if p not in crumbs]
    if len(pieces) < 2:
        raise InputError(f"分割线没有把地块 {code} 分成两块或以上：分割线应从地块边界外穿过地块，到边界外结束")
    if crumbs:
        raise InputError(f"分割线切出了小于 {rules.min_part_m2:g} 平方米的碎块，请沿地块边界以外画线或重新画线")
    # numbered west to east, then south to north (by centroid), so that the preview and the codes agree
    return sorted(pieces, key=lambda p: (round(p.centroid.x, 6), round(p.centroid.y, 6)))


def _given_parts(original, shapes, code, rules) -> list:
    if len(shapes) < 2:
        raise InputError(f"分割地块 {code} 至少需要两个面，实为 {len(shapes)} 个")
    for number, shape in enumerate(shapes, 1):
        if getattr(shape, "geom_type", "") not in ("Polygon", "MultiPolygon") or shape.is_empty:
            raise InputError(f"第{number}个分割面不是面（Polygon/MultiPolygon）")
        if not shape.is_valid:
            raise InputError(f"第{number}个分割面图形无效（{shapely.is_valid_reason(shape)}），请在 GIS 软件中修复")
    whole = float(ellipsoidal_areas([original])[0])
    limit = rules.area_tolerance.limit(whole)
    tree = shapely.STRtree(shapes)
    for i, j in zip(*tree.query(shapes, predicate="intersects")):
        if i < j and ellipsoidal_areas([shapely.intersection(shapes[i], shapes[j])])[0] >= rules.overlap_max_m2:
            raise InputError(f"第{i + 1}个和第{j + 1}个分割面相互重叠超过 {rules.overlap_max_m2:g} 平方米")
    union = shapely.union_all(shapes)
    uncovered = float(ellipsoidal_areas([shapely.difference(original, union)])[0])
    outside = float(ellipsoidal_areas([shapely.difference(union, original)])[0])
    if uncovered >= limit or outside >= limit:
        raise InputError(f"分割面与地块 {code} 不吻合：未覆盖 {uncovered:,.1f} 平方米，超出地块 {outside:,.1f} 平方米，"
                         f"允许差 {limit:,.1f} 平方米（地块图形面积 {whole:,.1f} 平方米）")
    return [shapely.intersection(shape, original) for shape in shapes]


def plan_merge(*, parcels: list, code="", land_code=None, figures="proportional") -> Plan:
    """The one parcel that `parcels` (two or more, touching, in one park, of one ownership) become."""
    if len(parcels) < 2:
        raise InputError(f"合并至少需要两宗地块，实为 {len(parcels)} 宗")
    zones = {p.zone_id for p in parcels}
    if len(zones) > 1:
        names = "、".join(f"{p.code}（{p.zone.name}）" for p in parcels)
        raise InputError(f"只能合并同一园区内的地块：{names}")
    if len({p.ownership for p in parcels}) > 1:
        raise InputError("国有土地与集体土地的地块不能合并：" + "、".join(
            f"{p.code}（{p.get_ownership_display()}）" for p in parcels))
    shapes = shapely.from_wkb([bytes(p.geometry) for p in parcels])
    union = shapely.union_all(shapes)
    if union.geom_type != "Polygon":
        apart = _apart(parcels, shapes)
        raise InputError(f"地块 {'、'.join(apart)} 与其他地块不相接（只在一点接触或有缝隙），合并后不是一个完整的面")
    areas = ellipsoidal_areas(shapes)
    largest = int(np.argmax(areas))
    plan = Plan(operation=LineageOperation.MERGE, sources=list(parcels), original_m2=float(areas.sum()),
                parts=[Part(geometry=union, area_m2=float(ellipsoidal_areas([union])[0]), share=1.0,
                            registered_area_m2=round(sum(p.registered_area_m2 for p in parcels), 2))])
    template = parcels[largest]
    _assign_codes(plan, [code], [land_code], ownership=template.ownership)
    fields = editing_rules().figure_fields
    values = {name: [getattr(p, name) for p in parcels] for name in fields}
    plan.parts[0].figures = {
        name: (round(sum(v for v in vals if v is not None), 2) if any(v is not None for v in vals) else None)
        if figures == "proportional" else (vals[largest] if figures == "largest" else None)
        for name, vals in values.items()}
    return plan


def _apart(parcels, shapes) -> list:
    """The codes of parcels that touch no other one along a line (the ones a merge cannot join)."""
    apart = []
    for i, shape in enumerate(shapes):
        others = shapely.union_all(np.delete(shapes, i))
        if shapely.intersection(shape, others).length == 0 and shapely.intersection(shape, others).area == 0:
            apart.append(parcels[i].code)
    return apart or [p.code for p in parcels]


def _shares_of_recorded(parts, recorded):
    """Recorded 土地面积 split by drawn-area share, rounded to cm², the largest part taking the rounding rest."""
    for part in parts:
        part.registered_area_m2 = round(recorded * part.share, 2)
    largest = max(range(len(parts)), key=lambda k: parts[k].area_m2)
    parts[largest].registered_area_m2 = round(recorded - sum(p.registered_area_m2 for k, p in enumerate(parts)
                                                             if k != largest), 2)


def _assign_codes(plan, codes, land_codes, *, ownership):
    rule = editing_rules().provisional_code
    codes = list(codes or []) + [""] * (len(plan.parts) - len(codes or []))
    land_codes = list(land_codes or []) + [None] * (len(plan.parts) - len(land_codes or []))
    if len(codes) > len(plan.parts) or len(land_codes) > len(plan.parts):
        raise InputError(f"给出的编码多于新地块数（{len(plan.parts)} 宗）")
    taken = set()
    first = plan.sources[0].code
    for number, (part, code, land_code) in enumerate(zip(plan.parts, codes, land_codes), 1):
        code = (code or "").strip()
        if not code:
            code = _free_code(rule, plan.operation, first, number, taken)
        if len(code) > Parcel._meta.get_field("code").max_length:
            raise InputError(f"地块编码 {code} 超过 {Parcel._meta.get_field('code').max_length} 个字符")
        if code in taken or Parcel.objects.filter(code=code).exists():
            raise InputError(f"地块编码 {code} 已被使用（包括已灭失的地块），请换一个")
        taken.add(code)
        part.code = code
        part.land_code = _checked_land_code(land_code, ownership, number, taken)
        part.provisional = part.land_code is None


def _free_code(rule, operation, first, number, taken) -> str:
    if operation == LineageOperation.SPLIT:
        return rule.split.format(parent=first, n=number)
    n = 1
    while True:  # the first free number: a parcel merged twice gets -H1, then -H2
        code = rule.merge.format(first=first, n=n)
        if code not in taken and not Parcel.objects.filter(code=code).exists():
            return code
        n += 1


def _checked_land_code(land_code, ownership, number, taken):
    from parkgov.codes.parcel_code import normalise_land_code

    land_code = normalise_land_code(land_code) or None
    if land_code is None:
        return None
    problems = parcel_problems(land_code=land_code, ownership=ownership, land_use_code="", registered_area_m2=None,
                               footprint_area_m2=None)
    if problems:
        raise InputError(f"第{number}宗新地块的宗地代码 {land_code} 无效：{'；'.join(problems.values())}")
    if land_code in taken or Parcel.objects.filter(land_code=land_code[:19]).exists():
        raise InputError(f"宗地代码 {land_code} 已被其他地块使用")
    taken.add(land_code)
    return land_code[:19]


def _carry_figures(plan, figures):
    rules = editing_rules()
    if figures not in rules.figures:
        raise InputError(f"指标分摊方式“{figures}”无效；允许：{'、'.join(f'{k}（{c.name}）' for k, c in rules.figures.items())}")
    parcel = plan.sources[0]
    largest = max(range(len(plan.parts)), key=lambda k: plan.parts[k].area_m2)
    for k, part in enumerate(plan.parts):
        for name in rules.figure_fields:
            value = getattr(parcel, name)
            if value is None or figures == "blank" or (figures == "largest" and k != largest):
                part.figures[name] = None
            else:
                part.figures[name] = round(value * part.share, 2) if figures == "proportional" else value


def plan_links(*, plan: Plan, on: dt.date, rule="area_share", chosen=None) -> Plan:
    """Which new part each current link of the old parcels goes to, by `rule` (chosen: {link id: part number})."""
    check_effective_date(on=on, sources=plan.sources)
    rules = editing_rules()
    if rule not in rules.links:
        raise InputError(f"用地关系分配方式“{rule}”无效；允许：{'、'.join(f'{k}（{c.name}）' for k, c in rules.links.items())}")
    links = current_links([p.pk for p in plan.sources], on=on)
    largest = max(range(len(plan.parts)), key=lambda k: plan.parts[k].area_m2)
    plan.links = []
    for link in links:
        if len(plan.parts) == 1:
            targets = [(0, 1.0)]
        elif rule == "area_share":
            targets = [(k, part.share) for k, part in enumerate(plan.parts)]
        elif rule == "largest":
            targets = [(largest, 1.0)]
        else:
            number = (chosen or {}).get(link.pk)
            if number is None or not 1 <= int(number) <= len(plan.parts):
                raise InputError(f"请为{link.enterprise.name}（{link.get_role_display()}）指定新地块（1–{len(plan.parts)}）")
            targets = [(int(number) - 1, 1.0)]
        plan.links.append((link, targets))
    return plan


def check_effective_date(*, on: dt.date, sources) -> None:
    """A split or merge records a change that has happened: dated today at the latest, and after every old parcel
    began (a parcel valid for no day is refused). InputError naming the date otherwise."""
    today = timezone.localdate()
    if on > today:
        raise InputError(gettext("生效日期 %(on)s 晚于今天（%(today)s）：分割或合并只能登记已经发生的变更")
                         % {"on": f"{on:%Y-%m-%d}", "today": f"{today:%Y-%m-%d}"})
    for source in sources:
        if source.started_on and on <= source.started_on:
            raise InputError(gettext("生效日期 %(on)s 应晚于地块 %(code)s 的启用日期 %(start)s")
                             % {"on": f"{on:%Y-%m-%d}", "code": source.code, "start": f"{source.started_on:%Y-%m-%d}"})


def current_links(parcel_ids, *, on: dt.date) -> list:
    """The land links of the parcels that are in force on `on` or start later."""
    return list(LandLink.objects.filter(parcel_id__in=parcel_ids).filter(Q(end_date=None) | Q(end_date__gte=on))
                .select_related("enterprise", "parcel").order_by("parcel__code", "role", "enterprise__credit_code"))


def split_parcel(*, scope, parcel: Parcel, by, actor, codes=(), land_codes=(), links="area_share", chosen=None,
                 figures="proportional", on: dt.date | None = None, note="") -> EditResult:
    """Split `parcel` by a line or given polygons into new parcels and write it all (see the module docstring)."""
    parcel = editable_parcel(scope=scope, code=parcel.code)
    on = on or timezone.localdate()
    plan = plan_links(plan=plan_split(parcel=parcel, by=by, codes=codes, land_codes=land_codes, figures=figures),
                      on=on, rule=links, chosen=chosen)
    return write_plan(plan=plan, on=on, actor=actor, note=note)


def merge_parcels(*, scope, parcels: list, actor, code="", land_code=None, figures="proportional",
                  on: dt.date | None = None, note="") -> EditResult:
    """Merge touching `parcels` of one park into one new parcel and write it all (see the module docstring)."""
    found = [editable_parcel(scope=scope, code=p.code if isinstance(p, Parcel) else p) for p in parcels]
    if len({p.pk for p in found}) < len(found):
        raise InputError("同一地块在合并列表中出现多次")
    on = on or timezone.localdate()
    plan = plan_links(plan=plan_merge(parcels=found, code=code, land_code=land_code, figures=figures), on=on)
    return write_plan(plan=plan, on=on, actor=actor, note=note)


def write_plan(*, plan: Plan, on: dt.date, actor, note="") -> EditResult:
    """Write a checked plan in one transaction: new parcels, carried links, ended parcels and links, lineage."""
    check_effective_date(on=on, sources=plan.sources)
    operation_id = f"{plan.operation.upper()}-{on:%Y%m%d}-{uuid.uuid4().hex[:8]}"
    verb = "分割" if plan.operation == LineageOperation.SPLIT else "合并"
    reason = f"{verb}地块 {'、'.join(p.code for p in plan.sources)}（{operation_id}）"
    with transaction.atomic(), acting_as(actor, reason=reason):
        created = [_new_parcel(part, plan.sources[0], on) for part in plan.parts]
        _move_links(plan, created, on)
        for source in plan.sources:
            source.ended_on = on
            source.save(update_fields=["ended_on"])
        for source in plan.sources:
            for child in created:
                ParcelLineage.objects.create(operation_id=operation_id, operation=plan.operation, parent=source,
                                             child=child, effective_date=on, note=note)
    return EditResult(operation_id=operation_id, ended=list(plan.sources), created=created)


def _new_parcel(part: Part, template: Parcel, on: dt.date) -> Parcel:
    columns = geometry_columns([shapely.to_wkb(part.geometry)], with_area=True).row(0, named=True)
    parcel = Parcel(code=part.code, land_code=part.land_code, registered_area_m2=part.registered_area_m2,
                    started_on=on, code_provisional=part.provisional,
                    **{name: getattr(template, name) for name in COPIED_FIELDS}, **part.figures, **columns)
    parcel.full_clean(exclude=["geometry", "min_x", "min_y", "max_x", "max_y", *PARCEL_MEASURES])
    parcel.save()
    return parcel


def _move_links(plan, created, on):
    """End each carried link the day before `on` and start its share on the new parcels; a link that starts on or
    after `on` moves whole (it was never in force on the old parcel)."""
    merged = {}
    for link, targets in plan.links:
        for k, share in targets:
            key = (link.enterprise_id, created[k].pk, link.role)
            new = merged.get(key)
            if new is None:
                new = merged[key] = LandLink(enterprise_id=link.enterprise_id, parcel=created[k], role=link.role,
                                             start_date=max(on, link.start_date) if link.start_date else on,
                                             end_date=link.end_date)
            new.land_area_m2 = _add(new.land_area_m2, link.land_area_m2, share)
            new.floor_area_m2 = _add(new.floor_area_m2, link.floor_area_m2, share)
            if link.end_date is None or (new.end_date is not None and link.end_date > new.end_date):
                new.end_date = link.end_date
        if link.start_date and link.start_date >= on:
            link.end_date = link.start_date  # in force for no day before the change: ended on its own first day
        else:
            link.end_date = on - dt.timedelta(days=1)
        link.save(update_fields=["end_date"])
    for new in merged.values():
        new.save()


def _add(total, value, share):
    if value is None:
        return total
    return round((total or 0) + value * share, 2)


def lineage_component(parcel_id: int, *, limit: int = 200) -> tuple[dict, list]:
    """The parcels linked to `parcel_id` through lineage (ancestors, descendants and their other parts) and the
    edges between them: ({id: depth relative to the parcel}, [edges]). Breadth-first, at most `limit` parcels."""
    depth = {parcel_id: 0}
    frontier = [parcel_id]
    edges = {}
    while frontier and len(depth) < limit:
        found = list(ParcelLineage.objects.filter(Q(parent_id__in=frontier) | Q(child_id__in=frontier)))
        frontier = []
        for edge in found:
            edges[edge.pk] = edge
            for node, other, step in ((edge.parent_id, edge.child_id, 1), (edge.child_id, edge.parent_id, -1)):
                if node in depth and other not in depth:
                    depth[other] = depth[node] + step
                    frontier.append(other)
    return depth, sorted(edges.values(), key=lambda e: (e.effective_date, e.operation_id, e.parent_id, e.child_id))


def valid_on(on: dt.date) -> Q:
    """Parcels valid on day `on`: started on or before it (or unknown) and not ended by it."""
    return (Q(started_on=None) | Q(started_on__lte=on)) & (Q(ended_on=None) | Q(ended_on__gt=on))


def parcels_on(*, scope, on: dt.date, bounds=None, lineage_of: str | None = None, limit: int = 5000) -> dict:
    """GeoJSON of the parcels in the user's parks valid on `on`, in `bounds` (min_x, min_y, max_x, max_y) and/or
    in the lineage of parcel `lineage_of`; at most `limit` features (`truncated` says when more matched)."""
    scope.require("parcel")
    queryset = scope.filter_zones(Parcel.objects.filter(valid_on(on)).exclude(geometry=None), "zone_id")
    if lineage_of:
        root = scope.filter_zones(Parcel.objects, "zone_id").filter(code=lineage_of).first()
        if root is None:
            raise NotFound(f"地块 {lineage_of} 不存在或不在您的数据范围内")
        queryset = queryset.filter(pk__in=list(lineage_component(root.pk)[0]))
    if bounds:
        left, bottom, right, top = bounds
        queryset = queryset.filter(max_x__gte=left, min_x__lte=right, max_y__gte=bottom, min_y__lte=top)
    rows = list(queryset.order_by("code").values_list("pk", "code", "land_code", "started_on", "ended_on",
                                                      "code_provisional", "registered_area_m2", "zone__code",
                                                      "supply_status", "geometry")[:limit + 1])
    shapes = shapely.to_geojson(shapely.from_wkb([bytes(r[-1]) for r in rows[:limit]])) if rows else []
    # zone and supply_status as the tiles carry them: the map's park and 供地状态 filters apply to this layer too
    features = [{"type": "Feature", "id": code, "geometry": json.loads(text),
                 "properties": {"parcel_id": pk, "code": code, "land_code": land_code, "started_on": _iso(start),
                                "ended_on": _iso(end), "provisional": provisional, "registered_area_m2": area,
                                "zone": zone, "supply_status": supply}}
                for (pk, code, land_code, start, end, provisional, area, zone, supply, _g), text in zip(rows, shapes)]
    return {"type": "FeatureCollection", "on": on.isoformat(), "features": features, "truncated": len(rows) > limit}


def _iso(day):
    return day.isoformat() if day else None


def shapes_from_geojson(data) -> list:
    """Shapely geometries from a GeoJSON geometry, Feature or FeatureCollection (EPSG:4490 lon/lat); InputError
    naming the feature that cannot be read."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InputError(f"图形不是有效的 GeoJSON：{exc}") from exc
    if not isinstance(data, dict):
        raise InputError("图形应为 GeoJSON 对象（Geometry、Feature 或 FeatureCollection）")
    items = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    shapes = []
    for number, item in enumerate(items or [], 1):
        geometry = item.get("geometry") if isinstance(item, dict) and item.get("type") == "Feature" else item
        try:
            shapes.append(shapely.geometry.shape(geometry))
        except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            raise InputError(f"第{number}个图形无法读取：{str(exc)[:200] or type(exc).__name__}") from exc
    if not shapes:
        raise InputError("GeoJSON 中没有图形")
    return shapes
