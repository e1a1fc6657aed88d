// 预算执行: the plan-vs-actual chart per month (ECharts, vendored beside this file); the figures come from the
// page's data attributes (no inline script under the Content-Security-Policy).
(function () {
  var node = document.getElementById("budget-chart");
  if (!node || !window.echarts) { return; }
  var plan = JSON.parse(node.getAttribute("data-plan")).map(Number);
  var actual = JSON.parse(node.getAttribute("data-actual")).map(Number);
  var months = plan.map(function (_, i) { return (i + 1) + "月"; });
  window.echarts.init(node).setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["预算", "实际"] },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value" },
    series: [{ name: "预算", type: "bar", data: plan }, { name: "实际", type: "bar", data: actual }]
  });
})();
