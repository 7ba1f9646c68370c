// Builds what the back office serves from npm packages, and prints each file's size (raw and
// gzip) for the README:
// - the website chat widget, one minified IIFE file at /widget/caredesk-widget.js;
// - the dashboard's Chart.js, tree-shaken to what its charts use, one ES module at
//   /dashboard/static/dist/chart.js.
//   node build.mjs            (from web/; `make widget` runs it)

import { build, transform } from "esbuild";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const entry = resolve(here, "widget/src/index.js");
const outfile = resolve(here, "../backoffice/web/widget/dist/caredesk-widget.js");
const chartEntry = resolve(here, "dashboard/chart.js");
const chartOutfile = resolve(here, "../backoffice/web/dashboard/dist/chart.js");

// The widget's CSS is minified and imported as a string: the script injects it into its shadow root.
const minifiedCss = {
  name: "minified-css-text",
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await transform(readFileSync(args.path, "utf8"), { loader: "css", minify: true });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "iife",
  minify: true,
  target: "es2020",
  legalComments: "none",
  charset: "utf8",
  banner: { js: "/* caredesk website chat widget (Apache-2.0); bundles socket.io-client (MIT) */" },
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [minifiedCss],
  logLevel: "warning",
});

mkdirSync(dirname(chartOutfile), { recursive: true });
await build({
  entryPoints: [chartEntry],
  outfile: chartOutfile,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  legalComments: "none",
  charset: "utf8",
  banner: { js: "/* caredesk dashboard charts; bundles Chart.js (MIT) and @kurkle/color (MIT) */" },
  logLevel: "warning",
});

const kb = (n) => (n / 1024).toFixed(1) + " KiB";
for (const [name, file] of [["widget", outfile], ["dashboard charts", chartOutfile]]) {
  const bytes = readFileSync(file);
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  console.log(`${name}: ${file} ${bytes.length} bytes (${kb(bytes.length)}), gzip ${gzipped} bytes (${kb(gzipped)})`);
}
