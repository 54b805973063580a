import type http from 'node:http';

/**
 * Connections the kernel holds for a process until it accepts them (Linux
 * caps it at net.core.somaxconn, 4096 by default). Node's default of 511
 * overflowed in the checkout benchmark: 400 new connections a second met a
 * gateway busy for over a second, the kernel dropped their SYNs, and clients
 * retried after 1, 3, 7, 15 s..., so answers took tens of seconds or never came.
 */
const LISTEN_BACKLOG = 4096;

export function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, resolve);
  });
}
