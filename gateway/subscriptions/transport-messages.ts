/**
 * The messages of the `graphql-transport-ws` protocol a client may send, and
 * the close codes a server uses, as graphql-ws defines them
 * (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md).
 */

export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

export const PROTOCOL_CLOSE = {
  INTERNAL_ERROR: 4500,
  BAD_REQUEST: 4400,
  /** A subscribe before the connection was acknowledged. */
  UNAUTHORIZED: 4401,
  SUBPROTOCOL_NOT_ACCEPTABLE: 4406,
  INIT_TIMEOUT: 4408,
  SUBSCRIBER_EXISTS: 4409,
  TOO_MANY_INITS: 4429,
} as const;

export interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

type Payload = Record<string, unknown> | null | undefined;

export type ClientMessage =
  | { type: 'connection_init' | 'ping' | 'pong'; payload?: Payload }
  | { type: 'subscribe'; id: string; payload: SubscribePayload }
  | { type: 'complete'; id: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const objectOrNullish = (value: unknown) => value == null || isObject(value);

function isSubscribePayload(value: unknown): value is SubscribePayload {
  return (
    isObject(value) &&
    typeof value.query === 'string' &&
    objectOrNullish(value.variables) &&
    (value.operationName == null || typeof value.operationName === 'string') &&
    objectOrNullish(value.extensions)
  );
}

const hasId = (value: Record<string, unknown>): value is Record<string, unknown> & { id: string } =>
  typeof value.id === 'string' && value.id.length > 0;

/** The message a client sent, or null when it is not one (the connection is then closed 4400). */
export function readMessage(text: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  switch (value.type) {
    case 'connection_init':
    case 'ping':
    case 'pong':
      return objectOrNullish(value.payload)
        ? { type: value.type, payload: value.payload as Payload }
        : null;
    case 'subscribe':
      return hasId(value) && isSubscribePayload(value.payload)
        ? { type: 'subscribe', id: value.id, payload: value.payload }
        : null;
    case 'complete':
      return hasId(value) ? { type: 'complete', id: value.id } : null;
    default:
      return null;
  }
}
