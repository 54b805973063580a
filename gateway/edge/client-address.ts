import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The caller's address, which anonymous rate limits key on. Behind trusted
 * proxies (TRUST_PROXY: a hop count, or addresses/subnets such as
 * `loopback, 10.0.0.0/8`) it is the first untrusted address in
 * X-Forwarded-For; trusting nobody (the default) it is the socket's peer, so
 * a client cannot pick its own. Same rules as Express' `trust proxy`, which
 * this replaced. An invalid list fails here, at start.
 */
export function clientAddress(
  trustProxy: string | number | false,
): (req: IncomingMessage) => string | undefined {
  if (trustProxy === false) return (req) => req.socket.remoteAddress;
  const trust: (address: string, hop: number) => boolean =
    typeof trustProxy === 'number'
      ? (_address, hop) => hop < trustProxy
      : proxyaddr.compile(trustProxy.split(',').map((entry) => entry.trim()));
  return (req) => (req.socket.remoteAddress === undefined ? undefined : proxyaddr(req, trust));
}
