import { SUBGRAPHS } from './all.js';
import { serveSubgraph } from './server.js';

/**
 * The four benchmark subgraphs in one process, each on its own port from a
 * base port (accounts, inventory, products, reviews):
 *
 *   node --import tsx bench/gateways/subgraphs/index.ts [basePort=4401] [host=127.0.0.1]
 *
 * One process, like the Guild's own subgraph server (one Rust process for
 * all four): on 2 cores, four Node processes would add three event loops,
 * heaps and JITs competing with the gateway under test, for subgraphs that
 * only read arrays. The bench reports this process's CPU, so a run where the
 * subgraphs, not the gateway, are the limit shows it.
 */
const basePort = Number(process.argv[2] ?? 4401);
const host = process.argv[3] ?? '127.0.0.1';

const servers = await Promise.all(
  SUBGRAPHS.map((subgraph, i) => serveSubgraph(subgraph, host, basePort + i)),
);
console.log(
  `subgraphs ready: ${SUBGRAPHS.map((s, i) => `${s.name} http://${host}:${basePort + i}/graphql`).join(', ')}`,
);

const stop = () => {
  for (const server of servers) server.closeAllConnections();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
