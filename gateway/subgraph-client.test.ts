import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphClient, SubgraphHttpError } from './subgraph-client.js';

/** A stand-in subgraph: each path answers in its own way. */
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    const reply = (status: number, text: string | Buffer) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    if (req.url === '/echo') {
      reply(
        200,
        JSON.stringify({ data: { body: JSON.parse(body), trace: req.headers['x-trace-id'] } }),
      );
    } else if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Several chunks, one multi-byte character split across two of them.
      const bytes = Buffer.from(JSON.stringify({ data: { name: 'Crème brûlée' } }));
      const cut = bytes.indexOf(0xc3) + 1;
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 5);
    } else if (req.url === '/bom') {
      reply(200, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":{}}')]));
    } else if (req.url === '/down') {
      reply(503, 'upstream busy');
    } else if (req.url === '/array') {
      reply(200, '[]');
    } else if (req.url === '/slow') {
      setTimeout(() => reply(200, '{"data":{}}'), 1_000);
    }
  });
});
let origin = '';
const clients: SubgraphClient[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('SubgraphClient', () => {
  const client = (path: string, timeoutMs = 5_000) => {
    const created = new SubgraphClient(`${origin}${path}`, timeoutMs);
    clients.push(created);
    return created;
  };
  const post = (path: string, timeoutMs?: number) =>
    client(path, timeoutMs).post('{"query":"{ a }"}', {
      'content-type': 'application/json',
      'x-trace-id': 'trace-1',
    });

  it('sends the body and headers and answers the parsed response', async () => {
    await expect(post('/echo')).resolves.toEqual({
      data: { body: { query: '{ a }' }, trace: 'trace-1' },
    });
  });

  it('decodes an answer that arrives in several chunks, and skips a byte order mark', async () => {
    await expect(post('/chunked')).resolves.toEqual({ data: { name: 'Crème brûlée' } });
    await expect(post('/bom')).resolves.toEqual({ data: {} });
  });

  it('turns a non-2xx answer into SubgraphHttpError with its status and body', async () => {
    const err = await post('/down').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubgraphHttpError);
    expect(err).toMatchObject({ status: 503, body: 'upstream busy' });
  });

  it('refuses a JSON answer that is not a GraphQL response', async () => {
    await expect(post('/array')).rejects.toThrow(/not a GraphQL response/);
  });

  it('cuts a call that exceeds its timeout', async () => {
    await expect(post('/slow', 100)).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
  });
});
