/*
 * The summary's breakdowns as tables, each with "Download CSV" (made here from the same JSON)
 * and rows that open the conversations behind them (drill.js). The charts' text equivalents
 * are tables of this kind too (charts.js).
 */
import { t } from "./i18n.js";
import { $, clear, el } from "./dom.js";
import {
  channelName, deptName, formatCount, formatDay, formatDuration, formatRate, languageName, topicName
} from "./format.js";
import { downloadCsv } from "./csv.js";
import { openDrill } from "./drill.js";

// A column: its label's key, the raw value (what the CSV holds) and how the page shows it.
// `unit` names the raw value's unit in the CSV's header: seconds, or a rate's fraction.
function count(key, label) {
  return { label: label, raw: function (row) { return row[key]; }, show: formatCount };
}
function seconds(pick, label) {
  return { label: label, unit: "s", raw: pick, show: formatDuration };
}
function rate(pick, label) {
  return { label: label, unit: "0-1", raw: pick, show: formatRate };
}
// Containment as the card's: contained / ended conversations (open ones left out).
function breakdownRate(row) {
  return row.ended ? Math.round(row.contained / row.ended * 10000) / 10000 : null;
}

function entries(object) {
  return Object.keys(object || {}).map(function (key) {
    return Object.assign({ key: key }, object[key]);
  });
}

function breakdown(id, title, keyLabel, name, filter) {
  return {
    id: id,
    title: title,
    rows: function (s) {
      var field = { languages: "by_language", channels: "by_channel", intents: "by_intent" }[id];
      return entries(s[field]).sort(function (a, b) { return b.conversations - a.conversations; });
    },
    name: function (row) { return name(row.key); },
    columns: [
      { label: keyLabel, raw: function (row) { return row.key; }, show: function (v, row) { return name(row.key); } },
      count("conversations", "col.conversations"),
      count("ended", "col.ended"),
      count("contained", "col.contained"),
      count("escalations", "col.escalations"),
      rate(breakdownRate, "col.containment")
    ],
    drill: function (row) {
      // Only the intent filter has a name for "unknown" (no topic); a language or channel not.
      if (row.key === "unknown" && filter !== "intent") { return null; }
      var scope = { measure: "all" };
      scope[filter] = row.key;
      return scope;
    }
  };
}

export var TABLES = [
  {
    id: "departments",
    title: "tables.departments",
    rows: function (s) { return entries(s.by_department); },
    name: function (row) { return deptName(row.key); },
    columns: [
      { label: "col.department", raw: function (row) { return row.key; }, show: function (v, row) { return deptName(row.key); } },
      count("handoffs", "col.handoffs"),
      seconds(function (row) { return row.first_response_seconds.p50; }, "col.firstP50"),
      seconds(function (row) { return row.first_response_seconds.p90; }, "col.firstP90"),
      seconds(function (row) { return row.resolution_seconds.p50; }, "col.resolutionP50"),
      seconds(function (row) { return row.resolution_seconds.p90; }, "col.resolutionP90"),
      count("sla_breaches", "col.sla"),
      {
        label: "col.target", unit: "min",
        raw: function (row) { return row.first_response_target_minutes; },
        show: function (v) { return v === null || v === undefined ? t("value.none") : formatDuration(v * 60); }
      }
    ],
    drill: function (row) { return { measure: "handoff", department: row.key }; }
  },
  breakdown("languages", "tables.languages", "col.language", languageName, "language"),
  breakdown("channels", "tables.channels", "col.channel", channelName, "channel"),
  breakdown("intents", "tables.intents", "col.intent", topicName, "intent"),
  {
    id: "misunderstood",
    title: "tables.misunderstood",
    rows: function (s) { return s.top_misunderstood || []; },
    name: function (row) { return row.text; },
    columns: [
      { label: "col.message", raw: function (row) { return row.text; }, show: function (v) { return v; } },
      count("count", "col.count")
    ],
    drill: function (row) { return { measure: "fallback", message: row.text }; }
  }
];

// The charts' text equivalents (charts.js shows them under each chart).
export var DAILY_TABLE = {
  id: "daily",
  title: "tables.daily",
  rows: function (s) { return s.daily || []; },
  name: function (row) { return formatDay(row.day); },
  columns: [
    { label: "col.day", raw: function (row) { return row.day; }, show: function (v) { return formatDay(v); } },
    count("conversations", "col.conversations"),
    count("contained", "col.contained"),
    count("escalations", "col.escalations"),
    count("fallbacks", "col.fallbacks")
  ],
  drill: function (row) { return { measure: "all", from: row.day, to: row.day }; }
};

export var ESCALATIONS_TABLE = {
  id: "escalations",
  title: "tables.escalations",
  rows: function (s) {
    return Object.keys(s.escalations_by_department || {}).map(function (key) {
      return { key: key, escalations: s.escalations_by_department[key] };
    });
  },
  name: function (row) { return deptName(row.key); },
  columns: [
    { label: "col.department", raw: function (row) { return row.key; }, show: function (v, row) { return deptName(row.key); } },
    count("escalations", "col.escalations")
  ],
  drill: function (row) { return row.key === "unknown" ? null : { measure: "escalated", department: row.key }; }
};

function header(table) {
  return table.columns.map(function (column) {
    return t(column.label) + (column.unit ? " (" + column.unit + ")" : "");
  });
}

/* The table's CSV, named with its period: caredesk-departments-2026-11-08_2026-12-07.csv. */
export function downloadTable(table, summary) {
  var rows = table.rows(summary).map(function (row) {
    return table.columns.map(function (column) { return column.raw(row); });
  });
  downloadCsv("caredesk-" + table.id + "-" + summary.from + "_" + summary.to + ".csv", header(table), rows);
}

/* The table (with its caption, CSV button and empty state) into `container`. */
export function renderTable(container, table, summary, captionKey) {
  clear(container);
  var rows = table.rows(summary);
  var title = t(captionKey || table.title);
  var head = el("div", { className: "table-head" }, [
    el("h3", { text: title, attrs: { id: "table-title-" + table.id } }),
    el("button", {
      className: "btn btn-small csv-download",
      text: t("csv.download"),
      attrs: { type: "button", "aria-label": t("csv.downloadOf", { table: title }) },
      data: { table: table.id },
      on: { click: function () { downloadTable(table, summary); } }
    })
  ]);
  container.appendChild(head);
  if (!rows.length) {
    container.appendChild(el("p", { className: "muted empty", text: t("tables.empty") }));
    return;
  }
  var thead = el("thead", {}, [el("tr", {}, table.columns.map(function (column) {
    return el("th", { text: t(column.label), attrs: { scope: "col" } });
  }))]);
  var tbody = el("tbody", {}, rows.map(function (row) {
    var scope = table.drill ? table.drill(row) : null;
    var cells = table.columns.map(function (column, index) {
      var shown = column.show(column.raw(row), row);
      if (index === 0) {
        var content = scope ? el("button", {
          className: "link-button",
          text: shown,
          attrs: {
            type: "button",
            "aria-label": t("tables.rowDrill", { name: table.name(row) }),
            "aria-haspopup": "dialog"
          },
          on: { click: function (event) { openDrill(scope, event.currentTarget); } }
        }) : shown;
        return el("th", { attrs: { scope: "row" } }, [content]);
      }
      return el("td", { className: "num", text: shown });
    });
    return el("tr", { data: { key: row.key || row.day || row.text || "" } }, cells);
  }));
  container.appendChild(el("div", { className: "table-scroll" }, [
    el("table", { className: "data-table", attrs: { "aria-labelledby": "table-title-" + table.id } }, [thead, tbody])
  ]));
}

export function renderTables(summary) {
  var holder = $("tables");
  clear(holder);
  TABLES.forEach(function (table) {
    var section = el("section", { className: "card table-card", data: { table: table.id } });
    holder.appendChild(section);
    renderTable(section, table, summary);
  });
}
