// Validates AsyncAPI documents with the official parser; prints one JSON line per document.
// Usage: node validate_asyncapi.mjs <node_modules dir> <file>...
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), "noop.js"));
const { Parser } = require("@asyncapi/parser");
const parser = new Parser();
let failed = false;
for (const file of files) {
  const diagnostics = await parser.validate(readFileSync(file, "utf8"));
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (errors.length) failed = true;
  console.log(JSON.stringify({ file, errors: errors.map((d) => `${d.path.join("/")}: ${d.message}`) }));
}
process.exit(failed ? 1 : 0);
