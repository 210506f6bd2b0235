"""The public-notice workbook (公示名单) of an evaluation run, with its explanation, the surcharge list for
the utility company (电价加价清单), the park aggregates and the list of firms not rated."""

import json
from pathlib import Path

import xlsxwriter

from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.ruleset import get_ruleset
from parkgov.evaluation.services import latest_run
from parkgov.ingest.excel import safe_cell
from parkgov.ledger.models import Zone


def export_evaluation(*, path: Path, year: int | None = None, ruleset_id: str | None = None,
                      zone_code: str | None = None, zone_ids: tuple | None = None, run=None) -> dict:
    """Write the workbook of `run`, else of the latest run of (year, rule set, zone); returns rows per sheet.
    A `path` ending in .gpkg gets the GIS variant instead (`_write_gpkg`).

    `zone_ids` (a Scope's parks, None for all) keeps the firms, surcharges and park aggregates of those parks.
    """
    run = run or latest_run(year=year, ruleset_id=ruleset_id, zone_code=zone_code)
    ruleset = get_ruleset(run.ruleset_id)
    results = EvaluationResult.objects.filter(run=run)
    parks = run.parks
    if zone_ids is not None:
        results = results.filter(enterprise__zone_id__in=zone_ids)
        codes = set(Zone.objects.filter(id__in=zone_ids).values_list("code", flat=True))
        parks = [park for park in parks if park.get("zone_code") in codes]
    results = list(results.select_related("enterprise").order_by("population", "rank", "enterprise__credit_code"))
    if Path(path).suffix.lower() == ".gpkg":
        return _write_gpkg(Path(path), ruleset, results)
    book = _Book(path)
    counts = {}
    for population in ruleset.populations:
        rows = [r for r in results if r.population == population.id and not r.not_rated_reason]
        counts[population.name] = book.notice(population, ruleset, rows)
    counts["不参评名单"] = book.not_rated([r for r in results if r.not_rated_reason])
    counts["电价加价清单"] = book.surcharges(results)
    counts["园区汇总"] = book.parks(parks)
    book.explanation(run, ruleset)
    book.close()
    return counts


def notice_columns(population, ruleset) -> list:
    """(header, function of a result, decimals) of a population's public-notice columns, rounded as published."""
    published = ruleset.publication
    score, value = (published.score_decimals, published.value_decimals) if published else (None, None)
    scored = [item.indicator for item in population.indicators]
    shown = scored or ([ruleset.tiers.indicator] if ruleset.tiers else [])
    columns = [("统一社会信用代码", lambda r: r.enterprise.credit_code, 0),
               ("企业名称", lambda r: r.enterprise.name, 0), ("评价人群", lambda r: r.population_name, 0),
               ("用地面积（亩）", lambda r: r.land_mu, 2)]
    for key in shown:
        indicator = ruleset.indicators[key]
        columns.append((f"{indicator.name}（{indicator.unit}）", lambda r, k=key: r.indicators.get(k, {}).get("value"),
                        value))
        if key in scored:
            columns.append((f"{indicator.name}得分", lambda r, k=key: r.indicators.get(k, {}).get("score"), score))
    if scored:
        columns += [("加扣分", lambda r: ((r.bonus or 0) - (r.deduction or 0)) or None, score),
                    ("总分", lambda r: r.total, score), ("排名", lambda r: r.rank, 0)]
    if population.classes:
        columns.append(("类别", lambda r: r.class_final, 0))
    if ruleset.tiers:
        columns.append(("档位", lambda r: r.tier, 0))
    columns.append(("复核提示", lambda r: f"待复核：{r.review_reason}" if r.needs_review else None, 0))
    return columns


def _write_gpkg(path: Path, ruleset, results) -> dict:
    """A MultiPolygon layer per population (the notice's columns, one feature per parcel the firm uses today) and
    the 不参评名单 layer; returns features per layer."""
    from parkgov.spatial.gpkg import firm_parcels, write_parcel_layer

    parcels = firm_parcels(r.enterprise_id for r in results)
    counts, written = {}, False
    for population in ruleset.populations:
        columns = notice_columns(population, ruleset)
        rows = [(parcels.get(r.enterprise_id), [_rounded(cell(r), decimals) for _h, cell, decimals in columns])
                for r in results if r.population == population.id and not r.not_rated_reason]
        counts[population.name] = write_parcel_layer(path=path, layer=population.name, columns=[c[0] for c in columns],
                                                     rows=rows, append=written)
        written = True
    rows = [(parcels.get(r.enterprise_id), [r.enterprise.credit_code, r.enterprise.name, r.land_mu, "T",
                                           r.not_rated_reason]) for r in results if r.not_rated_reason]
    counts["不参评名单"] = write_parcel_layer(path=path, layer="不参评名单", rows=rows, append=written,
                                         columns=["统一社会信用代码", "企业名称", "用地面积（亩）", "类别", "原因"])
    return counts


def _rounded(value, decimals):
    if isinstance(value, float) and decimals is not None:
        return round(value, decimals) + 0.0  # + 0.0 turns −0.0 into 0.0
    return value


class _Book:
    """XlsxWriter workbook with the formats the evaluation sheets share."""

    def __init__(self, path):
        self.workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                        "nan_inf_to_errors": False})
        self.head = self.workbook.add_format({"bold": True, "bg_color": "#dde3ea", "border": 1, "text_wrap": True,
                                              "valign": "vcenter"})
        self.numbers = {}
        self.wrap = self.workbook.add_format({"text_wrap": True, "valign": "top"})

    def _sheet(self, name, headers, widths=None):
        sheet = self.workbook.add_worksheet(name[:31])
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, self.head)
            sheet.set_column(col, col, (widths or {}).get(col, max(10, len(header) * 2)))
        sheet.freeze_panes(1, 2)
        sheet.set_row(0, 32)
        return sheet

    def _cell(self, sheet, row, col, value, decimals=2):
        """One cell; a float is rounded to `decimals` (the value itself, not only its display) and shown so."""
        if value is None:
            return
        if isinstance(value, float):
            value = _rounded(value, decimals)
            sheet.write_number(row, col, value, self._number(4 if decimals is None else decimals))
        elif isinstance(value, int):
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, safe_cell(value))

    def _number(self, decimals):
        if decimals not in self.numbers:
            pattern = "0." + "0" * decimals if decimals else "0"
            self.numbers[decimals] = self.workbook.add_format({"num_format": pattern})
        return self.numbers[decimals]

    def notice(self, population, ruleset, rows):
        """One population's list: what its rule set produces (scores, rank, class, tier), rounded as published."""
        columns = notice_columns(population, ruleset)
        sheet = self._sheet(population.name, [c[0] for c in columns], {0: 22, 1: 30, len(columns) - 1: 60})
        for r, result in enumerate(rows, start=1):
            for c, (_header, cell, decimals) in enumerate(columns):
                self._cell(sheet, r, c, cell(result), decimals)
        sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        return len(rows)

    def not_rated(self, rows):
        sheet = self._sheet("不参评名单", ["统一社会信用代码", "企业名称", "用地面积（亩）", "类别", "原因"],
                            {0: 22, 1: 30, 4: 50})
        for r, result in enumerate(rows, start=1):
            for c, value in enumerate([result.enterprise.credit_code, result.enterprise.name, result.land_mu, "T",
                                       result.not_rated_reason]):
                self._cell(sheet, r, c, value)
        return len(rows)

    def surcharges(self, results):
        headers = ["统一社会信用代码", "企业名称", "类别", "连续同类年数", "政策", "加价标准", "单位", "计费基数",
                   "加价金额（万元）"]
        sheet = self._sheet("电价加价清单", headers, {0: 22, 1: 30, 4: 24})
        row = 1
        for result in results:
            for policy in result.policies:
                if policy.get("element") != "electricity":
                    continue
                values = [result.enterprise.credit_code, result.enterprise.name, result.class_final,
                          result.consecutive_years, policy.get("name"), policy.get("amount"), policy.get("unit"),
                          "用电量（万千瓦时）", policy.get("charge_10k_yuan")]
                for c, value in enumerate(values):
                    self._cell(sheet, row, c, value)
                row += 1
        return row - 1

    def parks(self, parks):
        headers = ["排名", "园区编码", "企业数", "用地面积（亩）", "评价税收（万元）", "工业增加值（万元）",
                   "亩均税收（万元/亩）", "亩均增加值（万元/亩）", "A", "B", "C", "D", "T"]
        keys = ["park_rank", "zone_code", "firms", "land_mu", "tax", "value_added", "tax_per_mu",
                "value_added_per_mu", "class_A", "class_B", "class_C", "class_D", "class_T"]
        sheet = self._sheet("园区汇总", headers)
        for r, park in enumerate(parks, start=1):
            for c, key in enumerate(keys):
                self._cell(sheet, r, c, park.get(key))
        return len(parks)

    def explanation(self, run, ruleset):
        sheet = self.workbook.add_worksheet("评价说明")
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 100)
        lines = [
            ("评价年度", str(run.year)),
            ("规则集", f"{ruleset.name}（{ruleset.id} v{ruleset.version}）"),
            ("依据", ruleset.source.citation + (f"  {ruleset.source.url}" if ruleset.source.url else "")),
            ("说明", ruleset.source.note or ruleset.description),
            ("规则集指纹 / 输入数据指纹", f"{run.ruleset_hash} / {run.input_hash}"),
            ("排名规则", "按总分（按公布精度取整后）从高到低；总分相同按第一项指标值从高到低；再按统一社会信用代码升序。"
                     "百分位 = 名次 ÷ 人群企业数 × 100，档位上限含本数（如“前20%（含）”）。"),
        ]
        for population in ruleset.populations:
            parts = []
            for item in population.indicators:
                indicator = ruleset.indicators[item.indicator]
                bench = item.benchmark
                bench_text = "" if bench is None else (
                    f"基准 {bench.value:g}" if bench.method == "fixed" else
                    {"population_mean": "基准=本人群均值", "previous_mean": f"基准=上年均值×{bench.k:g}",
                     "table": "基准按年度表"}.get(bench.method, bench.method))
                parts.append(f"{indicator.name}（{indicator.unit}）权重 {item.weight:g} {bench_text}"
                             + ("" if item.published else "【本地默认】"))
            bands = ""
            if population.classes:
                bands = "；分类：" + "、".join(
                    f"{b.klass} ≤{b.upper_percent:g}%" if b.upper_percent else f"{b.klass} ≥{b.min_score}"
                    for b in population.classes.bands)
            lines.append((population.name, "；".join(parts) + bands))
        for rule in ruleset.not_rated:
            lines.append(("不参评", rule.reason))
        for item in ruleset.adjustments:
            lines.append(("加扣分", f"{item.name}：每单位 {json.dumps(item.steps)} 分"))
        for veto in ruleset.vetoes:
            lines.append(("否决事项", f"{veto.name}（{ {'force_D': '直接定为D类', 'cap_at_C': '最高C类', 'downgrade': '降一档'}[veto.action]}）"))
        for policy in ruleset.policies:
            lines.append(("差别化政策", f"{policy.name}：{policy.klass}类连续 {policy.min_consecutive_years} 年及以上 "
                                    f"{policy.amount:g} {policy.unit}"))
        for r, (label, text) in enumerate(lines):
            sheet.write_string(r, 0, label, self.head)
            sheet.write_string(r, 1, text, self.wrap)

    def close(self):
        self.workbook.close()
