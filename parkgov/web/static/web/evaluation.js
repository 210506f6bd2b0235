// Draws the evaluation page's charts (classes per population, firms per tier) from the JSON the page embeds;
// the same numbers are in the tables beside each chart.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const read = id => { const node = document.getElementById(id); return node ? JSON.parse(node.textContent) : null; };
  const labels = read("eval-labels") || {};
  const narrow = window.innerWidth < 600;
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: narrow ? 40 : 60, right: 16, top: 40, bottom: 50, containLabel: narrow } }, option));
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  const classes = read("eval-classes") || [];
  const colours = { A: "#2f7d32", B: "#1d4e89", C: "#d69e2e", D: "#b4436c", T: "#9aa5b1" };
  const names = classes.map(row => row.population || labels.not_rated);
  draw("chart-eval-classes", {
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, width: narrow ? 70 : 120, overflow: "break" } },
    yAxis: { type: "value", name: labels.firms },
    series: ["A", "B", "C", "D", "T"].map(k => ({ name: k, type: "bar", stack: "c", itemStyle: { color: colours[k] },
      data: classes.map(row => row.counts[k] || 0) })) });
  const tiers = read("eval-tiers") || [];
  draw("chart-eval-tiers", { legend: { show: false },
    xAxis: { type: "category", data: tiers.map(t => t.label), axisLabel: { interval: 0, width: narrow ? 60 : 110, overflow: "break" } },
    yAxis: { type: "value", name: labels.firms },
    series: [{ type: "bar", itemStyle: { color: "#b4436c" }, label: { show: true, position: "top" }, data: tiers.map(t => t.firms) }] });
});
