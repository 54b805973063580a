import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Hive Gateway lives in its own package (bench/gateways/hive: package.json
 * and lock committed, node_modules not), installed the first time the
 * benchmark needs it, so the project's `npm ci` (and CI) never pays for its
 * few hundred MB.
 */
export const HIVE_DIR = fileURLToPath(new URL('./hive/', import.meta.url));
export const HIVE_BIN = `${HIVE_DIR}node_modules/@graphql-hive/gateway/dist/bin.js`;

export function ensureHiveInstalled(log: (line: string) => void): void {
  if (existsSync(HIVE_BIN)) return;
  log(`installing Hive Gateway: npm ci --prefix ${HIVE_DIR} (once)`);
  execFileSync('npm', ['ci', '--prefix', HIVE_DIR, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
}
