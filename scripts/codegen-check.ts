/**
 * `npm run codegen:check`: regenerates every generated file in memory and
 * fails, naming the files, when what is committed differs. Stale generated
 * types cannot land.
 */
import { readFileSync, existsSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';
import config from '../codegen.js';

const outputs = (await generate({ ...config, silent: true }, false)) as Types.FileOutput[];
const stale = outputs.filter(
  (file) => !existsSync(file.filename) || readFileSync(file.filename, 'utf8') !== file.content,
);
if (stale.length) {
  console.error(
    `generated types are stale; run \`npm run codegen\` and commit:\n${stale
      .map((f) => `  - ${f.filename}`)
      .join('\n')}`,
  );
  process.exit(1);
}
console.log(`generated types are up to date (${outputs.length} files)`);
