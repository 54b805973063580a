import { badUserInput } from './errors.js';

/**
 * Relay connections. A cursor is the opaque, base64url-encoded sort key of
 * the last row seen (keyset pagination): stable while rows are added, and
 * each page is one indexed range scan, never an OFFSET.
 */
export interface Connection<T> {
  totalCount: number;
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, defaultSize: number): number {
  const size = first ?? defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, ['first']);
  }
  return size;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor` with the given shape; anything else is BAD_USER_INPUT.
 * `maxLength` bounds what is parsed; raise it for sort keys with long text.
 */
export function decodeCursor<const K extends readonly ('string' | 'number')[]>(
  cursor: string | null | undefined,
  shape: K,
  maxLength = 512,
): { [I in keyof K]: K[I] extends 'string' ? string : number } | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    if (cursor.length > maxLength) throw new Error('too long');
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === shape.length &&
      parsed.every((v, i) => typeof v === shape[i])
    ) {
      return parsed as { [I in keyof K]: K[I] extends 'string' ? string : number };
    }
  } catch {
    // fall through to the client-facing error
  }
  throw badUserInput('after is not a valid cursor', ['after']);
}

/** Builds a connection from `size + 1` fetched rows (the extra row only tells if there is a next page). */
export function toConnection<T>(
  rows: T[],
  size: number,
  totalCount: number,
  cursorOf: (row: T) => string,
): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    totalCount,
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
