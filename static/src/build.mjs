// Builds static/ from the npm packages: our Sass with GOV.UK and MOJ Frontend, their scripts and assets, htmx.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const nm = (p) => join(root, "node_modules", p);
const out = (p) => join(root, "static", p);

mkdirSync(out("css"), { recursive: true });
mkdirSync(out("js"), { recursive: true });

const css = sass.compile(join(root, "static/src/app.scss"), {
  loadPaths: [root],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: [],
  logger: sass.Logger.silent,
});
writeFileSync(out("css/app.css"), css.css);

cpSync(nm("govuk-frontend/dist/govuk/govuk-frontend.min.js"), out("js/govuk-frontend.min.js"));
cpSync(nm("htmx.org/dist/htmx.min.js"), out("js/htmx.min.js"));
cpSync(join(root, "static/src/app.mjs"), out("js/app.mjs"));
cpSync(join(root, "static/src/favicon.svg"), out("favicon.svg"));
cpSync(nm("govuk-frontend/dist/govuk/assets"), out("assets"), { recursive: true });
cpSync(nm("@ministryofjustice/frontend/moj/assets"), out("assets"), { recursive: true });
console.log("Built static/css/app.css, static/js and static/assets.");
