/*
 * The key figures' cards: each KPI's value from the summary, its change against the previous
 * period (and whether up is good), its definition behind a help button, and a button that
 * opens the conversations behind it (drill.js).
 */
import { t } from "./i18n.js";
import { $, clear, el } from "./dom.js";
import { formatCount, formatDuration, formatRate, formatScore, locale } from "./format.js";
import { openDrill } from "./drill.js";

// better: "up" (higher is better), "down" (lower is better) or "neutral";
// change: "points" (rates: percentage points), "relative" (%), "absolute" (CSAT's average).
export var CARDS = [
  {
    key: "conversations", measure: "all", better: "neutral", change: "relative",
    value: function (s) { return s.conversations; }, format: formatCount
  },
  {
    key: "containment_rate", measure: "contained", better: "up", change: "points",
    value: function (s) { return s.containment_rate; }, format: formatRate,
    sub: function (s) { return t("cards.count", { n: formatCount(s.contained), whole: formatCount(s.ended) }); }
  },
  {
    key: "escalation_rate", measure: "escalated", better: "down", change: "points",
    value: function (s) { return s.escalation_rate; }, format: formatRate,
    sub: function (s) { return t("cards.count", { n: formatCount(s.escalations), whole: formatCount(s.conversations) }); }
  },
  {
    key: "abandonment_rate", measure: "abandoned", better: "down", change: "points",
    value: function (s) { return s.abandonment_rate; }, format: formatRate,
    sub: function (s) { return t("cards.count", { n: formatCount(s.abandoned), whole: formatCount(s.conversations) }); }
  },
  {
    key: "fallback_rate", measure: "fallback", better: "down", change: "points",
    value: function (s) { return s.fallback_rate; }, format: formatRate,
    sub: function (s) { return t("cards.count", { n: formatCount(s.fallbacks), whole: formatCount(s.messages) }); }
  },
  {
    key: "first_response", measure: "handoff", better: "down", change: "relative",
    value: function (s) { return s.first_response_seconds.p50; },
    text: function (s) { return spread(s.first_response_seconds); },
    sub: function (s) { return businessSpread(s.first_response_business_seconds); }
  },
  {
    key: "resolution", measure: "handoff", better: "down", change: "relative",
    value: function (s) { return s.resolution_seconds.p50; },
    text: function (s) { return spread(s.resolution_seconds); },
    sub: function (s) { return businessSpread(s.resolution_business_seconds); }
  },
  {
    key: "sla_breaches", measure: "sla_breached", better: "down", change: "relative",
    value: function (s) { return s.sla_breaches; }, format: formatCount,
    sub: function (s) { return t("cards.count", { n: formatCount(s.sla_breaches), whole: formatCount(s.handoffs) }); }
  },
  {
    key: "csat", measure: "csat", better: "up", change: "absolute",
    value: function (s) { return s.csat.average; }, format: formatScore,
    sub: function (s) {
      return t("cards.csatSub", {
        responses: formatCount(s.csat.responses),
        rate: formatRate(s.csat.response_rate),
        share: formatRate(s.csat.share_4_5)
      });
    }
  },
  {
    // Proactive order updates (issue 14): no conversations behind it to list, so no drill-down.
    key: "order_updates", better: "up", change: "relative",
    value: function (s) { return s.order_updates ? s.order_updates.sent : null; }, format: formatCount,
    sub: function (s) {
      var u = s.order_updates || {};
      return t("cards.updatesSub", {
        notAllowed: formatCount(u.not_allowed), failed: formatCount(u.failed),
        waiting: formatCount((u.pending || 0) + (u.deferred || 0)),
        optIns: formatCount(u.opt_ins), optOuts: formatCount(u.opt_outs)
      });
    }
  }
];

function spread(figures) {
  return t("cards.p50p90", { p50: formatDuration(figures.p50), p90: formatDuration(figures.p90) });
}

function businessSpread(figures) {
  return t("cards.business", { p50: formatDuration(figures.p50), p90: formatDuration(figures.p90) });
}

function number(n, digits) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
}

/* The change from the previous period: {text, tone} where tone is good, bad or neutral. */
export function change(card, summary) {
  var now = card.value(summary);
  var before = summary.previous ? card.value(summary.previous) : null;
  var better = t(card.better === "up" ? "change.upGood" : card.better === "down" ? "change.upBad" : "change.neutral");
  if (now === null || now === undefined || before === null || before === undefined) {
    return { text: t("change.none") + " · " + better, tone: "neutral", direction: "none" };
  }
  var delta = now - before;
  if (Math.abs(delta) < 1e-9) {
    return { text: t("change.same") + " · " + better, tone: "neutral", direction: "same" };
  }
  var size;
  if (card.change === "points") {
    size = t("change.points", { n: number(Math.abs(delta) * 100, 1) });
  } else if (card.change === "absolute") {
    size = number(Math.abs(delta), 2);
  } else if (before === 0) {
    size = number(Math.abs(delta), 0);
  } else {
    size = number(Math.abs(delta) / before * 100, 0) + " %";
  }
  var up = delta > 0;
  var tone = card.better === "neutral" ? "neutral" : ((up === (card.better === "up")) ? "good" : "bad");
  return {
    text: t(up ? "change.up" : "change.down", { delta: size }) + " · " + better,
    tone: tone,
    direction: up ? "up" : "down"
  };
}

export function renderCards(summary, openHelp) {
  var list = $("cards");
  clear(list);
  CARDS.forEach(function (card) {
    var name = t("kpi." + card.key);
    var value = card.text ? card.text(summary) : card.format(card.value(summary));
    var moved = change(card, summary);
    var titleId = "card-title-" + card.key;
    list.appendChild(el("li", { className: "kpi card", attrs: { "aria-labelledby": titleId }, data: { kpi: card.key } }, [
      el("div", { className: "kpi-head" }, [
        el("h3", { className: "kpi-name", text: name, attrs: { id: titleId } }),
        el("button", {
          className: "kpi-help",
          text: "?",
          attrs: { type: "button", "aria-label": t("cards.help", { kpi: name }), "aria-haspopup": "dialog" },
          on: { click: function (event) { openHelp(card.key, event.currentTarget); } }
        })
      ]),
      el("p", { className: "kpi-value" + (card.text ? " kpi-value-spread" : ""), text: value }),
      card.sub ? el("p", { className: "kpi-sub muted small", text: card.sub(summary) }) : null,
      el("p", {
        className: "kpi-change small change-" + moved.tone,
        data: { direction: moved.direction }
      }, [el("span", { attrs: { "aria-hidden": "true" }, text: moved.direction === "up" ? "▲ " : moved.direction === "down" ? "▼ " : "" }), moved.text]),
      !card.measure ? null : el("button", {
        className: "btn btn-small kpi-drill",
        text: t("cards.drill"),
        attrs: { type: "button", "aria-label": t("cards.drillOf", { kpi: name }), "aria-haspopup": "dialog" },
        on: { click: function (event) { openDrill({ measure: card.measure }, event.currentTarget); } }
      })
    ]));
  });
}
