/* Charts of a station page: hourly (48 h) and daily (30 days) VN_AQI as bars coloured by
   category, drawn with the vendored uPlot. Data: json_script "aqi-chart-data", rows of
   [epoch seconds, index or null, category level]. The tables under the charts hold the same. */
(function () {
  "use strict";
  var source = document.getElementById("aqi-chart-data");
  if (!source || typeof uPlot === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var NO_DATA = "#dde3ea";

  function vietnamTime(seconds) {
    return uPlot.tzDate(new Date(seconds * 1000), "Asia/Ho_Chi_Minh");
  }

  function draw(element, rows, daily) {
    var times = rows.map(function (row) { return row[0]; });
    var values = rows.map(function (row) { return row[1]; });
    var fills = rows.map(function (row) { return data.colors[row[2]] || NO_DATA; });
    var bars = uPlot.paths.bars({
      size: [0.8, 40],
      disp: { fill: { unit: 3, values: function () { return fills; } } },
    });
    var options = {
      width: Math.max(element.clientWidth, 280),
      height: 260,
      tzDate: vietnamTime,
      legend: { show: false },
      cursor: { y: false, points: { show: false } },
      scales: {
        x: { time: true },
        y: {
          range: function (u, min, max) {
            return [0, Math.max(100, Math.ceil(((max || 0) + 10) / 50) * 50)];
          },
        },
      },
      axes: [
        daily ? { values: "{DD}/{MM}", space: 50 } : { values: "{HH}:00\n{DD}/{MM}", space: 60 },
        { label: data.label },
      ],
      series: [
        {},
        {
          label: data.label,
          paths: bars,
          points: { show: false },
          stroke: "#1b2430",
          width: 0,
          fill: NO_DATA,
        },
      ],
    };
    var chart = new uPlot(options, [times, values], element);
    element.classList.add("aqi-chart__canvas--drawn");
    return chart;
  }

  var charts = [];
  document.querySelectorAll(".aqi-chart__canvas[data-series]").forEach(function (element) {
    var series = element.getAttribute("data-series");
    if (data[series]) {
      charts.push([element, draw(element, data[series], series === "daily")]);
    }
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (pair) {
      pair[1].setSize({ width: Math.max(pair[0].clientWidth, 280), height: 260 });
    });
  });
})();
