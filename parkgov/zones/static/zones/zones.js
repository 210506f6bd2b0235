// Draws the 园区评价 charts (ranking bars, a zone's radar of indicator scores and its yearly totals, the comparison)
// from the JSON each page embeds; the same numbers are in the tables beside each chart.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const read = id => { const node = document.getElementById(id); return node ? JSON.parse(node.textContent) : null; };
  const narrow = window.innerWidth < 600;
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({ animation: false, tooltip: {} }, option));
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  const totals = read("zone-totals");
  if (totals) draw("chart-zone-totals", {
    grid: { left: narrow ? 40 : 60, right: 16, top: 30, bottom: 60, containLabel: narrow },
    xAxis: { type: "category", data: totals.zones, axisLabel: { interval: 0, width: narrow ? 60 : 110, overflow: "break" } },
    yAxis: { type: "value", name: totals.label, max: 100 },
    series: [{ type: "bar", itemStyle: { color: "#1d4e89" }, label: { show: true, position: "top" },
      data: totals.totals.map(v => v === null ? null : Math.round(v * 100) / 100) }] });
  const zone = read("zone-chart");
  if (zone) {
    draw("chart-zone-radar", {
      radar: { indicator: zone.names.map(name => ({ name: narrow && name.length > 5 ? name.slice(0, 5) + "…" : name, max: 100 })),
        radius: narrow ? "42%" : "65%", axisName: { fontSize: narrow ? 10 : 12 } },
      series: [{ type: "radar", name: zone.score_label, areaStyle: { opacity: 0.2 },
        data: [{ value: zone.scores.map(v => v === null ? 0 : Math.round(v * 10) / 10), name: zone.score_label }] }] });
    draw("chart-zone-years", {
      grid: { left: 50, right: 16, top: 30, bottom: 30 }, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: zone.years }, yAxis: { type: "value", name: zone.total_label, max: 100 },
      series: [{ type: "line", data: zone.totals.map(v => v === null ? null : Math.round(v * 100) / 100), label: { show: true } }] });
  }
  const compare = read("zone-compare");
  if (compare) draw("chart-zone-compare", {
    legend: { top: 0 }, tooltip: { trigger: "axis" },
    grid: { left: narrow ? 30 : 50, right: 16, top: 40, bottom: narrow ? 90 : 70, containLabel: narrow },
    xAxis: { type: "category", data: compare.names, axisLabel: { interval: 0, rotate: narrow ? 60 : 30, fontSize: narrow ? 10 : 12 } },
    yAxis: { type: "value", max: 100 },
    series: compare.series.map(s => ({ type: "bar", name: s.name, data: s.scores.map(v => v === null ? null : Math.round(v * 10) / 10) })) });
});
