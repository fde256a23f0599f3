// Kaohe results dashboard: draws the charts of /results/<pk>/dashboard/ with ECharts (served
// locally from static/vendor/echarts). All data comes from one <script id="dashboard-data"
// type="application/json"> written by Django's json_script (see kaohe/results/dashboard.py);
// figures there are already rounded for display. Plain JS, no build step.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const L = data.labels;
  const charts = [];

  // A chart in `el`; horizontal bar charts grow with their number of rows.
  function draw(el, option, rows) {
    if (rows) el.style.height = Math.max(160, 70 + rows * 26) + "px";
    const chart = window.echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  // (1) Ranking: one horizontal bar chart per ranking group, best at the top, grade as colour and
  // label, all on one axis that starts near the lowest final: options built on the server.
  const rankingBox = document.getElementById("chart-ranking");
  if (rankingBox) {
    data.charts.ranking.forEach((chart) => {
      const title = document.createElement("h3");
      title.textContent = chart.title;
      const el = document.createElement("div");
      el.className = "chart-group";
      el.id = chart.id;
      el.style.height = chart.height + "px";
      rankingBox.append(title, el);
      draw(el, chart.option);
    });
  }

  // (2) Radar: the selected unit's dimension percentages against its group's average.
  const radarBox = document.getElementById("chart-radar");
  const unitSelect = document.getElementById("radar-unit");
  if (radarBox && unitSelect && data.radar.units.length) {
    const radarChart = draw(radarBox, {});
    const showUnit = (code) => {
      const unit = data.radar.units.find((u) => u.code === code) || data.radar.units[0];
      const average = data.radar.averages[unit.group];
      const top = Math.max(100, ...unit.percents, ...average);
      const groupAverage = L.average.replace("%(group)s", unit.group);  // "县(市)组平均", "县(市) average"
      radarChart.setOption({
        tooltip: {},
        legend: { bottom: 0, data: [unit.name, groupAverage] },
        radar: {
          radius: "62%",
          indicator: data.radar.dimensions.map((d) => ({ name: d.title, max: top })),
          axisName: { color: "#444", fontSize: 11 },
        },
        series: [{
          type: "radar",
          data: [
            { name: unit.name, value: unit.percents, areaStyle: { opacity: 0.25 } },
            { name: groupAverage, value: average, lineStyle: { type: "dashed" } },
          ],
        }],
      }, true);
    };
    unitSelect.addEventListener("change", () => showUnit(unitSelect.value));
    showUnit(unitSelect.value);
  }

  // (3) Distribution of finals in bins that follow their spread: options built on the server.
  const histogramBox = document.getElementById("chart-histogram");
  if (histogramBox) draw(histogramBox, data.charts.histogram.option);

  // (4) Scoring progress per department: scored and unscored tasks stacked.
  const progressBox = document.getElementById("chart-progress");
  if (progressBox) {
    const rows = data.progress.slice().reverse();
    draw(progressBox, {
      grid: { left: 8, right: 70, top: 30, bottom: 24, containLabel: true },
      legend: { top: 0, data: [L.scored, L.unscored] },
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: (ps) => { const r = rows[ps[0].dataIndex]; return `${r.department}<br>${L.scored} ${r.scored} / ${L.tasks} ${r.tasks}`; },
      },
      xAxis: { type: "value", name: L.tasks, minInterval: 1, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", data: rows.map((r) => r.department) },
      series: [
        { name: L.scored, type: "bar", stack: "tasks", data: rows.map((r) => r.scored), itemStyle: { color: "#2e7d32" } },
        { name: L.unscored, type: "bar", stack: "tasks", data: rows.map((r) => r.tasks - r.scored), itemStyle: { color: "#cfd8dc" },
          label: { show: true, position: "right", color: "#333", formatter: (p) => `${rows[p.dataIndex].scored}/${rows[p.dataIndex].tasks}` } },
      ],
    }, rows.length);
  }

  // (5) Year over year: this cycle's final next to the compared cycle's, units matched by code.
  const compareBox = document.getElementById("chart-compare");
  if (compareBox && data.compare && data.compare.pairs.length) {
    const pairs = data.compare.pairs.slice().reverse();
    draw(compareBox, {
      grid: { left: 8, right: 50, top: 30, bottom: 30, containLabel: true },
      legend: { top: 0, data: [`${L.current}`, `${data.compare.cycle}`] },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", name: L.final, nameLocation: "middle", nameGap: 26, axisLabel: { hideOverlap: true }, ...data.compare.axis },
      yAxis: { type: "category", data: pairs.map((p) => p.name) },
      series: [
        { name: data.compare.cycle, type: "bar", data: pairs.map((p) => p.previous), itemStyle: { color: "#b0bec5" } },
        { name: L.current, type: "bar", data: pairs.map((p) => p.final), itemStyle: { color: "#5470c6" },
          label: { show: true, position: "right", fontSize: 10 } },
      ],
    }, pairs.length * 1.6);
  }

  // The compare <select> reloads the page with ?compare=<pk>; the button stays for keyboards.
  const compareSelect = document.getElementById("compare");
  if (compareSelect) compareSelect.addEventListener("change", () => compareSelect.form.submit());

  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
