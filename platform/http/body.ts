import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** Why a request body was refused, as the HTTP status and a message for the client. */
export class RequestBodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'RequestBodyError';
  }
}

const DECODERS: Record<string, () => Readable & NodeJS.WritableStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The JSON body of a request with an `application/json` content type, or
 * `undefined` for any other content type or an empty body (Apollo then
 * explains what it expected). At most `limit` bytes, counted after
 * decompression, so a small compressed body cannot expand without bound.
 * Only objects and arrays are accepted at the top, as a GraphQL request is one.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !isJson(type)) return undefined;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new RequestBodyError(415, `Unsupported charset "${charset}"; send UTF-8`);
  }
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw tooLarge(limit);

  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let source: Readable = req;
  if (encoding !== 'identity') {
    const decoder = DECODERS[encoding];
    if (!decoder) throw new RequestBodyError(415, `Unsupported content encoding "${encoding}"`);
    source = req.pipe(decoder());
  }
  const text = await readText(req, source, limit);
  const first = /\S/.exec(text)?.[0];
  if (first === undefined) return undefined;
  if (first !== '{' && first !== '[') throw notJson();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw notJson();
  }
}

function isJson(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  return essence === 'application/json';
}

function readText(req: IncomingMessage, source: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = (error: RequestBodyError) => {
      source.off('data', onData);
      // A decoder is stopped (no more inflating); the rest of the request is read and dropped.
      if (source !== req) source.destroy();
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) refuse(tooLarge(limit));
      else chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('error', () =>
      refuse(new RequestBodyError(400, 'The request body could not be read')),
    );
    // A client that hangs up midway: nobody is left to answer, but nothing waits forever either.
    req.once('close', () => {
      if (!req.complete) refuse(new RequestBodyError(400, 'The request body was cut off'));
    });
    source.once('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve(body.toString('utf8'));
    });
  });
}

function tooLarge(limit: number): RequestBodyError {
  return new RequestBodyError(413, `The request body is larger than the limit of ${limit} bytes`);
}

function notJson(): RequestBodyError {
  return new RequestBodyError(400, 'The request body is not valid JSON');
}
