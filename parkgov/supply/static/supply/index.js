// 供地 landing page: swatch colours (the Content-Security-Policy refuses style="" in the page) and the charts drawn
// from the JSON the page embeds; every chart has its numbers in the table under it.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".swatch[data-colour]").forEach(s => { s.style.background = s.dataset.colour; });
  const node = document.getElementById("supply-data");
  if (!node || !window.echarts) return;
  const data = JSON.parse(node.textContent);
  const labels = JSON.parse(document.getElementById("supply-labels").textContent);
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    // tooltips drawn on the canvas: ECharts' HTML tooltips carry style="", which the Content-Security-Policy refuses
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "item", renderMode: "richText" } }, option));
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  const pie = (rows, unit) => ({
    legend: { bottom: 0, type: "scroll" },
    series: [{ type: "pie", radius: ["35%", "62%"], center: ["50%", "42%"], label: { formatter: "{c}" },
      data: rows.filter(r => r.count > 0).map(r => ({ name: r.label, value: r.count, itemStyle: { color: r.colour } })) }],
    tooltip: { trigger: "item", renderMode: "richText", formatter: "{b}: {c} " + unit }
  });
  draw("chart-states", { grid: { left: 40, right: 10, top: 20, bottom: 60 }, tooltip: { trigger: "axis", renderMode: "richText" },
    xAxis: { type: "category", data: data.states.map(s => s.label), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", name: labels.applications, minInterval: 1 },
    series: [{ type: "bar", itemStyle: { color: "#1d4e89" }, data: data.states.map(s => s.count) }] });
  draw("chart-commitments", pie(data.commitments, labels.contracts));
  draw("chart-idle", pie(data.idle, labels.parcels));
});
