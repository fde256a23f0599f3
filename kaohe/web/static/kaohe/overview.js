// Kaohe leaders' overview: draws the charts whose ECharts options the server wrote into
// <script id="overview-charts" type="application/json"> (kaohe/web/overview.py; the options are
// built in kaohe/results/charts.py and kaohe/cycles/overview_progress.py). On a wall screen
// (1600 px and wider) every font size and chart height grows, so the room can read it.
(function () {
  "use strict";
  const source = document.getElementById("overview-charts");
  if (!source || !window.echarts) return;
  const charts = JSON.parse(source.textContent);
  const wall = window.matchMedia("(min-width: 1600px)");

  function scaled(value, factor) {
    if (Array.isArray(value)) return value.map((v) => scaled(v, factor));
    if (value && typeof value === "object") {
      const copy = {};
      for (const [key, inner] of Object.entries(value)) {
        copy[key] = key === "fontSize" && typeof inner === "number" ? Math.round(inner * factor) : scaled(inner, factor);
      }
      return copy;
    }
    return value;
  }

  const drawn = [];
  function draw() {
    const factor = wall.matches ? 1.4 : 1;
    drawn.forEach((chart) => chart.dispose());
    drawn.length = 0;
    for (const [id, chart] of Object.entries(charts)) {
      const el = document.getElementById(id);
      if (!el) continue;
      el.style.height = Math.round(chart.height * (wall.matches ? 1.2 : 1)) + "px";
      const instance = window.echarts.init(el);
      instance.setOption(scaled(chart.option, factor));
      drawn.push(instance);
    }
  }
  draw();
  wall.addEventListener("change", draw);
  window.addEventListener("resize", () => drawn.forEach((chart) => chart.resize()));
})();
