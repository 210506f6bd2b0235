// Draws the 绿色与底线 charts (failed 底线 per zone, energy change against the baseline, a zone's yearly failed
// count and its industry mix) from the JSON each page embeds; the same numbers are in the tables beside them.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const read = id => { const node = document.getElementById(id); return node ? JSON.parse(node.textContent) : null; };
  const narrow = window.innerWidth < 600;
  const colour = { ok: "#2f855a", some: "#a0aec0", warn: "#d69e2e", alert: "#c53030" };
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    const merged = Object.assign({ animation: false, tooltip: {} }, option);
    // tooltips drawn on the canvas: ECharts' HTML tooltips carry style="", which the Content-Security-Policy refuses
    merged.tooltip = Object.assign({ renderMode: "richText" }, merged.tooltip);
    chart.setOption(merged);
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  const axis = names => ({ type: "category", data: names,
    axisLabel: { interval: 0, rotate: narrow ? 60 : 30, fontSize: narrow ? 10 : 12, width: 110, overflow: "truncate" } });
  const all = read("green-compare");
  if (all) {
    draw("chart-green-failed", {
      grid: { left: 40, right: 16, top: 30, bottom: narrow ? 110 : 90 }, xAxis: axis(all.zones),
      yAxis: { type: "value", name: all.failed_label, minInterval: 1 },
      series: [{ type: "bar", label: { show: true, position: "top" },
        data: all.failed.map((v, i) => ({ value: v, itemStyle: { color: colour[v && all.states[i] === "ok" ? "some" : all.states[i]] } })) }] });
    draw("chart-green-energy", {
      grid: { left: 50, right: narrow ? 16 : 70, top: 30, bottom: narrow ? 110 : 90 }, xAxis: axis(all.zones),
      yAxis: { type: "value", name: all.energy_label },
      series: [{ type: "bar", itemStyle: { color: "#1d4e89" }, data: all.energy,
        markLine: all.energy_target === null ? undefined : { symbol: "none", data: [{ yAxis: all.energy_target, name: all.target_label }],
          lineStyle: { color: "#c53030", type: "dashed" }, label: { formatter: all.target_label + " {c}%" } } }] });
  }
  const zone = read("green-zone");
  if (zone) {
    draw("chart-green-history", {
      grid: { left: 40, right: 16, top: 30, bottom: 30 }, xAxis: { type: "category", data: zone.years },
      yAxis: { type: "value", name: zone.failed_label, minInterval: 1 },
      series: [{ type: "bar", label: { show: true, position: "top" },
        data: zone.failed.map(v => ({ value: v, itemStyle: { color: v >= zone.threshold ? "#c53030" : "#2f855a" } })),
        markLine: { symbol: "none", data: [{ yAxis: zone.threshold }], lineStyle: { color: "#c53030", type: "dashed" } } }] });
    draw("chart-green-mix", {
      tooltip: { trigger: "item", formatter: "{b}: {d}%" },
      series: [{ type: "pie", name: zone.mix_label, radius: narrow ? "55%" : "65%", data: zone.mix,
        label: { fontSize: narrow ? 10 : 12, formatter: "{b}\n{d}%" } }] });
  }
});
