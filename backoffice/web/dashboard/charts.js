/*
 * The two charts (conversations per day; escalations per department) drawn by Chart.js on a
 * canvas (no styles injected, so the strict CSP holds), each with its figures as a table
 * beneath it for readers who cannot see it. Chart.js comes from dist/chart.js, built from npm
 * by web/build.mjs; if it failed to load, the tables still show every figure.
 */
import { t } from "./i18n.js";
import { $, clear, el } from "./dom.js";
import { deptName, formatDay } from "./format.js";
import { DAILY_TABLE, ESCALATIONS_TABLE, renderTable } from "./tables.js";

var COLORS = { conversations: "#1f5fd6", contained: "#13804b", escalations: "#b42318" };
var charts = {};
var library = null;

function loadLibrary() {
  if (!library) {
    library = import("./dist/chart.js").then(function (module) { return module.Chart; });
  }
  return library;
}

function draw(name, canvas, config) {
  if (charts[name]) { charts[name].destroy(); delete charts[name]; }
  return loadLibrary().then(function (Chart) {
    if (charts[name]) { charts[name].destroy(); }
    charts[name] = new Chart(canvas, config);
  }).catch(function () { /* the table beneath has the figures */ });
}

function options(yTitle) {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom" } },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: !!yTitle, text: yTitle || "" } } }
  };
}

function chartBlock(id, titleKey, labelKey, table, summary) {
  var holder = $(id);
  clear(holder);
  var canvas = el("canvas", { attrs: { role: "img", "aria-label": t(labelKey) } });
  var details = el("details", { className: "chart-table" }, [el("summary", { text: t("charts.table") })]);
  var tableHolder = el("div");
  details.appendChild(tableHolder);
  holder.appendChild(el("h3", { text: t(titleKey) }));
  holder.appendChild(el("div", { className: "chart-box" }, [canvas]));
  holder.appendChild(details);
  renderTable(tableHolder, table, summary);
  return canvas;
}

export function renderCharts(summary) {
  var daily = summary.daily || [];
  var dailyCanvas = chartBlock("chart-daily", "charts.daily", "charts.dailyLabel", DAILY_TABLE, summary);
  draw("daily", dailyCanvas, {
    type: "line",
    data: {
      labels: daily.map(function (d) { return formatDay(d.day); }),
      datasets: ["conversations", "contained", "escalations"].map(function (key) {
        return {
          label: t("col." + key),
          data: daily.map(function (d) { return d[key]; }),
          borderColor: COLORS[key],
          backgroundColor: COLORS[key],
          tension: 0,
          pointRadius: daily.length > 45 ? 0 : 2
        };
      })
    },
    options: options("")
  });
  var byDepartment = ESCALATIONS_TABLE.rows(summary);
  var barCanvas = chartBlock("chart-departments", "charts.departments", "charts.departmentsLabel", ESCALATIONS_TABLE, summary);
  var barOptions = options("");
  barOptions.plugins.legend = { display: false };
  draw("departments", barCanvas, {
    type: "bar",
    data: {
      labels: byDepartment.map(function (row) { return deptName(row.key); }),
      datasets: [{
        label: t("col.escalations"),
        data: byDepartment.map(function (row) { return row.escalations; }),
        backgroundColor: COLORS.escalations
      }]
    },
    options: barOptions
  });
}

export function destroyCharts() {
  Object.keys(charts).forEach(function (name) { charts[name].destroy(); delete charts[name]; });
}
