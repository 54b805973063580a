import WebSocket from 'ws';

/**
 * One bench client process: opens its share of graphql-transport-ws
 * connections (one `orderUpdated` subscription each) and records when each
 * new version arrives. Kept lean (raw `ws`, the protocol by hand) so the
 * client's own cost stays small next to the gateway's; the bench runs
 * several of these so the sockets are not all read by one event loop.
 *
 * Protocol with the parent (IPC): ← {type:'open', …} → {type:'opened'};
 * ← {type:'collect'} → {type:'received', items: [orderId, version, at][]}.
 */

interface OpenCommand {
  type: 'open';
  url: string;
  token: string;
  query: string;
  orderIds: string[];
  batch: number;
}

type Command = OpenCommand | { type: 'collect' } | { type: 'close' };

const sockets: WebSocket[] = [];
let received: Array<[string, number, number]> = [];

function connect(cmd: OpenCommand, orderId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(cmd.url, 'graphql-transport-ws', { perMessageDeflate: false });
    sockets.push(ws);
    let first = true;
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { authorization: `Bearer ${cmd.token}` },
        }),
      ),
    );
    ws.on('message', (raw) => {
      const at = Date.now();
      const message = JSON.parse(String(raw)) as {
        type: string;
        payload?: { data?: { orderUpdated?: { version: number } } };
      };
      switch (message.type) {
        case 'connection_ack':
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: cmd.query, variables: { orderId } },
            }),
          );
          return;
        case 'ping':
          ws.send('{"type":"pong"}');
          return;
        case 'next': {
          if (first) {
            first = false;
            resolve();
            return;
          }
          const version = message.payload?.data?.orderUpdated?.version;
          if (version !== undefined) received.push([orderId, version, at]);
          return;
        }
        case 'error':
          reject(new Error(`subscription refused: ${JSON.stringify(message.payload)}`));
          return;
      }
    });
    ws.on('error', reject);
    ws.on('close', (code, reason) => {
      if (first) reject(new Error(`closed before the first state: ${code} ${String(reason)}`));
    });
  });
}

process.on('message', (cmd: Command) => {
  void (async () => {
    if (cmd.type === 'open') {
      for (let start = 0; start < cmd.orderIds.length; start += cmd.batch) {
        await Promise.all(
          cmd.orderIds.slice(start, start + cmd.batch).map((id) => connect(cmd, id)),
        );
      }
      process.send!({ type: 'opened' });
    } else if (cmd.type === 'collect') {
      const items = received;
      received = [];
      process.send!({ type: 'received', items });
    } else {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  })().catch((err: Error) => {
    process.send!({ type: 'failed', message: err.message });
  });
});
