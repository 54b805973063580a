import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from '../../scripts/lib/build.js';
import { wrk } from '../lib/wrk.js';
import { startSubgraphs, tempSupergraph, URLS } from '../gateways.js';
import { allConfigurations, oursPrefix } from './configurations.js';
import { ensureHiveInstalled } from './hive.js';
import { Launched, waitAnswering } from './launch.js';
import { formatSelfTimes, selfTimes, type CpuProfile } from './profile-summary.js';
import { checkReference, GUILD_BODY } from './query.js';
import { checkAnswer } from './round.js';
import { deleteKafkaNames, deleteRedisKeys } from '../../test/support/cleanup.js';

/**
 * CPU profiles of gateways under the benchmark's load: each one runs with
 * `--cpu-prof`, is warmed up, loaded by wrk (50 connections) for a few
 * seconds and stopped; the summary covers the loaded seconds only.
 *
 *   node --import tsx bench/gateways/profile.ts [seconds=10] [ids=vanilla,ours-pure] [--keep]
 *
 * Profiles go to a temporary folder, removed afterwards unless --keep (then
 * its path is printed: open a .cpuprofile in Chrome DevTools). Never commit them.
 */

const EXIT_ON_SIGNAL = fileURLToPath(new URL('./exit-on-signal.mjs', import.meta.url));
const PORT = 4440;
const WARMUP_SECONDS = 3;

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const keep = process.argv.includes('--keep');
const seconds = Number(args[0] ?? 10);
const ids = (args[1] ?? 'vanilla,ours-pure').split(',');
const configs = ids.map((id) => {
  const config = allConfigurations().find((c) => c.id === id);
  if (!config) throw new Error(`unknown gateway ${id}`);
  return config;
});
if (configs.some((c) => c.gateway === 'Hive Gateway')) ensureHiveInstalled(console.log);

const runId = `prof${Date.now().toString(36)}`;
const out = mkdtempSync(path.join(os.tmpdir(), 'gateway-profiles-'));
const { dir, file } = tempSupergraph();
const subgraphs = await startSubgraphs();
try {
  for (const config of configs) {
    const profileDir = path.join(out, config.id);
    const gateway = new Launched(
      config.id,
      config.launch({
        port: PORT,
        supergraphFile: file,
        runId,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', EXIT_ON_SIGNAL],
        buildDir: await ensureBuild(),
        subgraphUrls: URLS,
      }),
    );
    const url = `http://127.0.0.1:${PORT}/graphql`;
    try {
      const reference = (await waitAnswering(gateway, url, GUILD_BODY)).json;
      checkReference(reference as Parameters<typeof checkReference>[0]);
      await wrk({ url, body: GUILD_BODY, seconds: WARMUP_SECONDS });
      const load = await wrk({ url, body: GUILD_BODY, seconds });
      await checkAnswer(config.id, url, reference, 'after the load');
      console.log(
        `\n=== ${config.id}: ${load.rps.toFixed(0)} req/s under the profiler (slower than without it), ${load.non2xx} non-2xx, ${load.errors} socket errors`,
      );
    } finally {
      await gateway.stop();
    }
    // One profile per thread; the main thread is the one that worked (others: tsx's loader).
    const profiles = readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => JSON.parse(readFileSync(path.join(profileDir, f), 'utf8')) as CpuProfile);
    const busy = (p: CpuProfile) => {
      const { totalMs, idleMs } = selfTimes(p);
      return totalMs - idleMs;
    };
    const main = profiles.sort((a, b) => busy(b) - busy(a))[0];
    if (main) console.log(formatSelfTimes(main, { lastSeconds: seconds, top: 30 }));
  }
} finally {
  await subgraphs.stop();
  rmSync(dir, { recursive: true, force: true });
  if (keep) console.log(`\nprofiles kept in ${out}`);
  else rmSync(out, { recursive: true, force: true });
  const prefix = oursPrefix(runId);
  await deleteRedisKeys(process.env.REDIS_URL || 'redis://127.0.0.1:6379', `${prefix.redis}*`);
  await deleteKafkaNames(process.env.KAFKA_BROKERS || 'localhost:9092', (n) =>
    n.startsWith(prefix.kafka),
  );
}
process.exit(0);
