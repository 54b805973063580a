import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/**
 * Vanilla @apollo/gateway with its defaults, as the Guild's benchmark runs it
 * (without their cluster fork): the baseline the gateways benchmark compares
 * against. Nothing else on purpose.
 *
 *   node --import tsx bench/gateways/vanilla.ts <supergraph file> <port>
 */
const [supergraphFile, port] = process.argv.slice(2);
if (!supergraphFile || !port) throw new Error('usage: vanilla.ts <supergraph file> <port>');

const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl: readFileSync(supergraphFile, 'utf8') }),
});
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
});
console.log(`vanilla gateway ready at ${url}`);
