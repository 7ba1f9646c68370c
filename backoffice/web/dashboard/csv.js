/*
 * CSV files made in the browser from the figures on the page: UTF-8 with a byte-order mark
 * (so spreadsheet programs read Vietnamese right), every cell quoted, and a cell starting with
 * = + - or @ prefixed with ' so no spreadsheet runs it as a formula.
 */
var FORMULA = /^[=+\-@]/;

export function csvCell(value) {
  var text = value === null || value === undefined ? "" : String(value);
  if (FORMULA.test(text)) { text = "'" + text; }
  return '"' + text.replace(/"/g, '""') + '"';
}

export function csvText(header, rows) {
  return "\ufeff" + [header].concat(rows).map(function (row) {
    return row.map(csvCell).join(",");
  }).join("\r\n") + "\r\n";
}

/* Hands a blob to the browser as a download named `filename`. */
export function saveBlob(blob, filename) {
  var url = URL.createObjectURL(blob);
  var link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
}

export function downloadCsv(filename, header, rows) {
  saveBlob(new Blob([csvText(header, rows)], { type: "text/csv;charset=utf-8" }), filename);
}
