// Draws the 目标与重点项目 charts (a zone's cumulative completion % by month per target kind; a project's monthly
// investment and cumulative completion) from the JSON each page embeds; the same numbers are in the tables beside.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const read = id => { const node = document.getElementById(id); return node ? JSON.parse(node.textContent) : null; };
  const narrow = window.innerWidth < 600;
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" } }, option));
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  const trend = read("targets-trend");
  if (trend) draw("chart-targets-trend", {
    legend: { top: 0, type: "scroll" },
    grid: { left: narrow ? 36 : 50, right: 16, top: narrow ? 60 : 40, bottom: 30, containLabel: narrow },
    xAxis: { type: "category", data: trend.months },
    yAxis: { type: "value", name: trend.label },
    series: trend.series.map(s => ({ type: "line", name: s.name, data: s.data, connectNulls: true })) });
  const project = read("project-trend");
  if (project) draw("chart-project-trend", {
    legend: { top: 0 },
    grid: { left: narrow ? 40 : 60, right: narrow ? 40 : 60, top: narrow ? 70 : 50, bottom: 30, containLabel: narrow },
    xAxis: { type: "category", data: project.months },
    yAxis: [{ type: "value", name: project.invested_label }, { type: "value", name: project.pct_label }],
    series: [{ type: "bar", name: project.invested_label, data: project.invested, itemStyle: { color: "#1d4e89" } },
      { type: "line", name: project.pct_label, yAxisIndex: 1, data: project.cumulative_pct, connectNulls: true }] });
});
