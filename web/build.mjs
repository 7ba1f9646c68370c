// Builds the website chat widget into one minified IIFE file that the back office serves at
// /widget/caredesk-widget.js, and prints its size (raw and gzip) for the README.
//   node build.mjs            (from web/; `make widget` runs it)

import { build, transform } from "esbuild";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const entry = resolve(here, "widget/src/index.js");
const outfile = resolve(here, "../backoffice/web/widget/dist/caredesk-widget.js");

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

const bytes = readFileSync(outfile);
const gzipped = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + " KiB";
console.log(`widget: ${outfile} ${bytes.length} bytes (${kb(bytes.length)}), gzip ${gzipped} bytes (${kb(gzipped)})`);
