import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Sends a JSON body with its status; nothing else is written to the response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  send(res, status, JSON.stringify(body), {
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  });
}

/** Sends a complete body; Node sets Content-Length for it. */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: OutgoingHttpHeaders,
): void {
  res.writeHead(status, headers);
  res.end(body);
}
