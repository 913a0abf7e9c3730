// Bundle the panel and the card into the committed files under custom_components/.
//   node build.mjs           write the bundles
//   node build.mjs --check   rebuild in memory; exit 1 when a committed bundle differs
// Reproducible: pinned versions (package-lock.json), no timestamps, no source maps.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "..", "custom_components", "printernizer", "frontend", "dist");
const bundles = {
  "printernizer-panel": path.join(here, "src", "panel.ts"),
  "printernizer-card": path.join(here, "src", "card.ts"),
};
const check = process.argv.includes("--check");

const result = await build({
  entryPoints: bundles,
  outdir: dist,
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
  write: !check,
});

if (check) {
  let stale = 0;
  for (const file of result.outputFiles) {
    let committed = null;
    try {
      committed = readFileSync(file.path);
    } catch {
      committed = null;
    }
    if (committed === null || !Buffer.from(file.contents).equals(committed)) {
      console.error(`stale bundle: ${path.relative(process.cwd(), file.path)} (run: npm run build)`);
      stale += 1;
    }
  }
  if (stale) process.exit(1);
  console.log("bundles match the sources");
}
