// Prints GitLab's CI/CD configuration schema (ci.json, MIT) as JSON, taken from the npm package
// gitlab-ci-local (MIT), whose bundle carries it as an object literal: the literal that starts
// with GitLab's $id is cut out of dist/index.js by matching braces outside string literals and
// evaluated in an empty context (it is data), then printed as JSON with two-space indentation in
// the bundle's key order, so that a regeneration is byte-for-byte comparable.
//
//   node testdata/schemas/gitlab-ci-extract.mjs gitlab-ci-local-4.75.1.tgz >testdata/schemas/gitlab-ci.json
import { execFileSync } from "node:child_process";
import vm from "node:vm";

const tgz = process.argv[2];
if (!tgz) {
  console.error("usage: gitlab-ci-extract.mjs gitlab-ci-local-VERSION.tgz");
  process.exit(2);
}
const js = execFileSync("tar", ["-xzOf", tgz, "package/dist/index.js"], { maxBuffer: 64 << 20 }).toString("utf8");
const marker = '{$schema:"http://json-schema.org/draft-07/schema#",$id:"https://gitlab.com/.gitlab-ci.yml"';
const start = js.indexOf(marker);
if (start < 0 || js.indexOf(marker, start + 1) >= 0) {
  console.error("expected exactly one GitLab CI schema literal in package/dist/index.js");
  process.exit(1);
}
let depth = 0;
let quote = null;
let end = -1;
for (let i = start; i < js.length && end < 0; i++) {
  const c = js[i];
  if (quote) {
    if (c === "\\") i++;
    else if (c === quote) quote = null;
    continue;
  }
  if (c === '"' || c === "'" || c === "`") quote = c;
  else if (c === "{" || c === "[") depth++;
  else if (c === "}" || c === "]") {
    depth--;
    if (depth === 0) end = i + 1;
  }
}
if (end < 0) {
  console.error("the schema literal does not end");
  process.exit(1);
}
const literal = js.slice(start, end);
if (/\$\{/.test(literal.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) {
  console.error("the schema literal has template substitutions: not plain data");
  process.exit(1);
}
const schema = vm.runInNewContext("(" + literal + ")", Object.create(null), { timeout: 1000 });
if (schema.$id !== "https://gitlab.com/.gitlab-ci.yml" || !schema.definitions || !schema.definitions.job_template) {
  console.error("what was extracted is not GitLab's CI schema");
  process.exit(1);
}
process.stdout.write(JSON.stringify(schema, null, 2) + "\n");
