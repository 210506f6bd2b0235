// Draws the cockpit charts from the JSON the page embeds; every chart has its numbers in a table beside it.
document.addEventListener("DOMContentLoaded", () => {
  const node = document.getElementById("cockpit-data");
  if (!node || !window.echarts) return;
  const data = JSON.parse(node.textContent);
  const labels = JSON.parse(document.getElementById("cockpit-labels").textContent);  // translated by the page
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    const merged = Object.assign({ animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 60, right: 20, top: 50, bottom: 50 } }, option);
    // tooltips drawn on the canvas: ECharts' HTML tooltips carry style="", which the Content-Security-Policy refuses
    merged.tooltip = Object.assign({ renderMode: "richText" }, merged.tooltip);
    chart.setOption(merged);
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  const years = data.trend.map(r => String(r.year));
  const series = [];
  if (data.sees_tax) series.push({ name: labels.tax_per_mu, type: "line", data: data.trend.map(r => r.tax_per_mu) });
  if (data.sees_value_added) series.push({ name: labels.va_per_mu, type: "line", data: data.trend.map(r => r.va_per_mu) });
  draw("chart-trend", { xAxis: { type: "category", data: years }, yAxis: { type: "value", name: labels.yuan_per_mu }, series });
  const populations = Object.keys((data.classes || {}).counts || {});
  const colours = { A: "#2f7d32", B: "#1d4e89", C: "#d69e2e", D: "#b4436c", T: "#9aa5b1" };
  const runTiers = (data.classes || {}).tiers || [];  // a tiers-only rule set: its tiers, not a chart of T
  if (runTiers.length) draw("chart-classes", { xAxis: { type: "category", data: runTiers.map(t => t.label), axisLabel: { interval: 0, width: 110, overflow: "break" } },
    yAxis: { type: "value", name: labels.firms }, series: [{ type: "bar", itemStyle: { color: "#b4436c" }, data: runTiers.map(t => t.firms) }] });
  else draw("chart-classes", { xAxis: { type: "category", data: populations, axisLabel: { interval: 0, width: 120, overflow: "break" } }, yAxis: { type: "value", name: labels.firms },
    series: ["A", "B", "C", "D", "T"].map(k => ({ name: k, type: "bar", stack: "c", itemStyle: { color: colours[k] },
      data: populations.map(p => data.classes.counts[p][k] || 0) })) });
  if (data.sees_tax) draw("chart-tiers", { xAxis: { type: "category", data: data.tiers.map(t => t.tier), axisLabel: { interval: 0 } }, yAxis: { type: "value", name: labels.mu },
    series: [{ type: "bar", itemStyle: { color: "#b4436c" }, data: data.tiers.map(t => t.land_mu) }] });
  draw("chart-supply", { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "70%"],
    data: data.supply.map(s => ({ name: s.status, value: s.land_mu })) }] });
  const key = data.sees_tax ? "tax_per_mu" : data.sees_value_added ? "va_per_mu" : "parcel_mu";
  draw("chart-parks", { xAxis: { type: "category", data: data.parks.map(p => p.name), axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", name: key === "parcel_mu" ? labels.mu : labels.yuan_per_mu }, series: [{ type: "bar", itemStyle: { color: "#1d4e89" }, data: data.parks.map(p => p[key]) }] });
  const cases = data.cases;
  if (cases) {
    // open cases split into on time and overdue, so the bar's height is the open count; closed beside them
    const departments = cases.departments;
    draw("chart-case-departments", { xAxis: { type: "category", data: departments.map(d => d.name), axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: "value", name: labels.cases }, series: [
        { name: labels.open, type: "bar", stack: "open", itemStyle: { color: "#f78154" }, data: departments.map(d => d.open - d.overdue) },
        { name: labels.overdue, type: "bar", stack: "open", itemStyle: { color: "#d7263d" }, data: departments.map(d => d.overdue) },
        { name: labels.closed, type: "bar", itemStyle: { color: "#4d9078" }, data: departments.map(d => d.closed) }] });
    draw("chart-freed", { xAxis: { type: "category", data: cases.zones.map(z => z.name), axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: "value", name: labels.mu }, series: [
        { name: labels.freed, type: "bar", itemStyle: { color: "#4d9078" }, data: cases.zones.map(z => z.freed_mu) },
        { name: labels.target, type: "bar", itemStyle: { color: "#c5ccd3" }, data: cases.zones.map(z => z.target_mu) }] });
  }
});
