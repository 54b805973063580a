import { print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { Agent, request } from 'undici';

/**
 * The benchmark's HTTP side of the gateway: POSTs the contract's typed
 * documents as a storefront does. test/support/client.ts cannot be used
 * outside vitest (it reads the gateway URL with `inject`), hence this one.
 *
 * undici's request() on an Agent of its own: no cap on connections per
 * origin, so an open-loop generator never queues requests in the client
 * behind slow ones; idle connections are kept alive and reused. Not fetch():
 * the generator shares the machine's two cores with the system it measures,
 * and fetch's Request/Headers objects and web streams are CPU taken from it.
 */
const agent = new Agent({ keepAliveTimeout: 30_000 });

/** Structurally the codegen `TypedDocumentNode` (client/__generated__), as test/support/client.ts has it. */
export type TypedDocumentNode<T, V> = DocumentNode & { __apiType?: (variables: V) => T };

export interface GqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors: readonly GraphQLFormattedError[] | undefined;
}

/** Printed once per document: the generator sends the same text thousands of times. */
const printed = new WeakMap<DocumentNode, string>();

function textOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (!text) printed.set(document, (text = print(document)));
  return text;
}

export class GatewayClient {
  constructor(readonly url: string) {}

  async request<T, V>(
    document: TypedDocumentNode<T, V>,
    variables: V,
    token?: string,
  ): Promise<GqlResult<T>> {
    const res = await request(this.url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        query: textOf(document),
        variables,
      }),
    });
    const body = (await res.body.json()) as {
      data?: T | null;
      errors?: GraphQLFormattedError[];
    };
    return { status: res.statusCode, data: body.data, errors: body.errors };
  }

  /**
   * Like request, for set-up steps that must succeed: throws with what came
   * back otherwise. A request the stack refused with RATE_LIMITED (nothing
   * done; a starved machine sheds load, decision 23) is sent again after its
   * `retryAfter`, as a client should.
   */
  async must<T, V>(document: TypedDocumentNode<T, V>, variables: V, token?: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { status, data, errors } = await this.request(document, variables, token);
      const limited = errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
      if (limited && attempt < 30) {
        const seconds = Math.max(1, Number(limited.extensions?.retryAfter ?? 1));
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        continue;
      }
      if (!data || errors?.length) {
        throw new Error(`gateway answered ${status}: ${JSON.stringify(errors ?? data)}`);
      }
      return data;
    }
  }
}
