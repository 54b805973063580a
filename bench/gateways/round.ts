import { isDeepStrictEqual } from 'node:util';
import { peakRss } from '../lib/rss.js';
import { wrk, type WrkResult } from '../lib/wrk.js';
import type { GatewayConfiguration, LaunchContext } from './configurations.js';
import { cpuUse } from './cpu.js';
import { Launched, post, waitAnswering } from './launch.js';
import { GUILD_BODY } from './query.js';

/**
 * One measured round of one gateway: start it, check that it answers the
 * Guild query exactly as the reference does, warm it up, then load it with
 * wrk (50 connections) while sampling its memory, the CPU it and the
 * subgraphs use, and its answer; stop it. A gateway that answers wrongly,
 * with errors or non-2xx statuses, at any point, fails the benchmark instead
 * of scoring. Socket errors (wrk's 10 s timeout, mostly, when the machine is
 * overloaded) fail it only beyond 1% of requests: they are reported.
 */

export interface RoundOptions {
  warmupSeconds: number;
  seconds: number;
  connections: number;
  /** Process group of the subgraphs, for their CPU use. */
  subgraphsPid: number;
  /** The answer every gateway must give (vanilla's, checked against the expected shape). */
  reference: unknown;
  log: (line: string) => void;
}

export interface RoundResult extends WrkResult {
  rssMb: number;
  /** Average CPU use during the measured load, % of one core. */
  gatewayCpu: number;
  subgraphsCpu: number;
  /**
   * Gateway CPU time per answered request, ms: what a request costs whatever
   * else runs on the machine (req/s depends on the CPU share it gets).
   */
  cpuMsPerRequest: number;
  /** Answers sampled during the load, all equal to the reference. */
  sampled: number;
}

const tooManySocketErrors = (r: WrkResult) => r.errors > 0.01 * (r.requests + r.errors);

/** How often the bench itself asks during the load (one extra client, far below the 50). */
const SAMPLE_EVERY_MS = 500;

/** Throws unless the gateway answers 200 with exactly the reference answer. */
export async function checkAnswer(id: string, url: string, reference: unknown, when: string) {
  const result = await post(url, GUILD_BODY, 30_000);
  if (result.status !== 200 || !isDeepStrictEqual(result.json, reference)) {
    throw new Error(
      `${id} answered ${when} with status ${result.status} and a body that differs from the reference: ${result.text.slice(0, 600)}`,
    );
  }
}

/** Checks answers in the background until stopped; rejects on the first wrong one. */
function sampleAnswers(id: string, url: string, reference: unknown) {
  let running = true;
  let sampled = 0;
  const done = (async () => {
    while (running) {
      await checkAnswer(id, url, reference, 'under load');
      sampled += 1;
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    }
  })();
  // Keep a failure until stop() collects it.
  done.catch(() => undefined);
  return {
    async stop() {
      running = false;
      await done;
      return sampled;
    },
  };
}

export async function runRound(
  config: GatewayConfiguration,
  ctx: LaunchContext,
  options: RoundOptions,
): Promise<RoundResult> {
  const url = `http://127.0.0.1:${ctx.port}/graphql`;
  const gateway = new Launched(config.id, config.launch(ctx));
  try {
    const first = await waitAnswering(gateway, url, GUILD_BODY);
    if (!isDeepStrictEqual(first.json, options.reference)) {
      throw new Error(
        `${config.id} answered differently from the reference: ${first.text.slice(0, 600)}`,
      );
    }
    const rss = peakRss(gateway.pid);
    const load = { url, body: GUILD_BODY, connections: options.connections };
    const warm = await wrk({ ...load, seconds: options.warmupSeconds });
    if (warm.non2xx || tooManySocketErrors(warm)) {
      throw new Error(`${config.id} warm-up: ${warm.non2xx} non-2xx, ${warm.errors} socket errors`);
    }
    const gatewayCpu = cpuUse(gateway.pid);
    const subgraphsCpu = cpuUse(options.subgraphsPid);
    const sampler = sampleAnswers(config.id, url, options.reference);
    const measured = await wrk({ ...load, seconds: options.seconds });
    const gatewayPercent = gatewayCpu.stop();
    const result: RoundResult = {
      ...measured,
      gatewayCpu: gatewayPercent,
      cpuMsPerRequest: measured.rps > 0 ? (10 * gatewayPercent) / measured.rps : NaN,
      subgraphsCpu: subgraphsCpu.stop(),
      sampled: await sampler.stop(),
      rssMb: rss.stop(),
    };
    // A wrong status fails the bench; timeouts (wrk's 10 s) are a slow gateway's result, reported.
    if (measured.non2xx) {
      throw new Error(`${config.id}: ${measured.non2xx} non-2xx answers under load`);
    }
    await checkAnswer(config.id, url, options.reference, 'after the load');
    options.log(
      `  ${config.id.padEnd(16)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms  RSS ${result.rssMb.toFixed(0)} MB  CPU gateway ${result.gatewayCpu.toFixed(0)}% (${result.cpuMsPerRequest.toFixed(1)} ms/request) subgraphs ${result.subgraphsCpu.toFixed(0)}%${measured.errors ? `, ${measured.errors} timeouts/socket errors` : ''}`,
    );
    return result;
  } catch (err) {
    if (gateway.hasExited) {
      (err as Error).message += `\nlast lines of ${config.id}:\n${gateway.lastLines()}`;
    }
    throw err;
  } finally {
    await gateway.stop();
  }
}
