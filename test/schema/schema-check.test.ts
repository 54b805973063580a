import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../platform/config.js';
import type { Acknowledgement } from '../../scripts/lib/acknowledgements.js';
import {
  compose,
  composedFiles,
  type Composed,
  type SubgraphSource,
} from '../../scripts/lib/compose.js';
import type { OperationDocument } from '../../scripts/lib/operations.js';
import {
  buildPersistedDocuments,
  printPersistedDocuments,
} from '../../scripts/lib/persisted-documents.js';
import {
  checkSchema,
  unacknowledgedBreaking,
  type SchemaCheckInput,
} from '../../scripts/lib/schema-check.js';
import { formatReport } from '../../scripts/lib/schema-check-report.js';

/**
 * The schema check run as a library on fixture copies of the subgraph
 * schemas (test/schema/fixtures), never on the real files: each test edits a
 * fixture in memory and looks at the report and at what the CLI would print.
 */

const fixture = (file: string) =>
  readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8');

const SUBGRAPHS: SubgraphSource[] = SERVICE_NAMES.map((name) => ({
  name,
  url: `http://${name}.fixture/graphql`,
  sdl: fixture(`subgraphs/${name}.graphql`),
}));
const OPERATIONS: OperationDocument[] = [
  {
    file: 'fixtures/operations/storefront.graphql',
    source: fixture('operations/storefront.graphql'),
  },
];
const LABELS = { baseline: 'the fixture supergraph', today: '2026-01-15' };

/** The subgraphs with one text replaced in one schema; the text must be there, or the test proves nothing. */
function edit(name: SubgraphSource['name'], from: string, to: string): SubgraphSource[] {
  return SUBGRAPHS.map((s) => {
    if (s.name !== name) return s;
    expect(s.sdl).toContain(from);
    return { ...s, sdl: s.sdl.replace(from, to) };
  });
}

/** Generated files as `schema:compose` and `persisted-documents` would write them. */
function committedFor(subgraphs: SubgraphSource[], operations = OPERATIONS) {
  const files = composedFiles(compose(subgraphs));
  return {
    supergraph: files.supergraph,
    apiSchema: files.apiSchema,
    persistedDocuments: printPersistedDocuments(buildPersistedDocuments(operations)),
  };
}

let baseline: Composed;
beforeAll(() => {
  baseline = compose(SUBGRAPHS);
});

/** A check of `subgraphs` against the fixture supergraph, its generated files regenerated unless given. */
function run(subgraphs: SubgraphSource[], overrides: Partial<SchemaCheckInput> = {}) {
  return checkSchema({
    subgraphs,
    previousSupergraphSdl: baseline.supergraphSdl,
    ownOperations: OPERATIONS,
    contractOperations: [],
    acknowledgements: [],
    committed: committedFor(subgraphs, overrides.ownOperations),
    ...overrides,
  });
}

const REMOVE_SKU = [
  'product',
  '  "Stock-keeping unit: the merchant\'s own code, unique case-insensitively."\n  sku: String!\n',
  '',
] as const;
const REMOVE_DESCRIPTION = [
  'product',
  '  "Longer text for the product page; null when none was given."\n  description: String\n',
  '',
] as const;
const DESCRIPTION_REMOVED = "Field 'description' was removed from object type 'Product'";

describe('schema check', () => {
  it('passes the unchanged subgraphs with no changes and nothing stale', async () => {
    const report = await run(SUBGRAPHS);
    expect(report.changes).toEqual([]);
    expect(report.operationCount).toBe(2);
    expect(report).toMatchObject({
      ok: true,
      baselineProblems: [],
      operationProblems: [],
      lintProblems: [],
      staleFiles: [],
    });
    expect(formatReport(report, LABELS)).toContain('schema check passed');
  });

  it('fails when a field a client operation uses is removed, naming the operation and the field', async () => {
    const subgraphs = edit(...REMOVE_SKU);
    // Even an acknowledged removal cannot break a known client's operation.
    const acknowledgements = [
      {
        change: "Field 'sku' was removed from object type 'Product'",
        reason: 'x',
        date: '2026-01-15',
      },
    ];
    const report = await run(subgraphs, { acknowledgements });

    expect(report.ok).toBe(false);
    expect(report.changes.find((c) => c.path === 'Product.sku')?.level).toBe('breaking');
    expect(report.operationProblems).toEqual([
      'fixtures/operations/storefront.graphql: operation Catalog: Cannot query field "sku" on type "Product". (at fragment ProductCard: sku, line 12)',
    ]);
    const printed = formatReport(report, LABELS);
    expect(printed).toContain('client operations that no longer validate:');
    expect(printed).toContain('schema check FAILED: 1 operation error(s)');
  });

  it('names the field path inside the operation when the break is not in a fragment', async () => {
    const subgraphs = edit(
      'user',
      '  "Sign-in email, unique case-insensitively. Visible to the user and to admins."\n  email: String!\n',
      '',
    );
    const report = await run(subgraphs);
    expect(report.operationProblems).toEqual([
      'fixtures/operations/storefront.graphql: operation Me: Cannot query field "email" on type "User". (at me.email, line 36)',
    ]);
  });

  it('fails when a field no operation uses is removed: a breaking change, until acknowledged', async () => {
    const subgraphs = edit(...REMOVE_DESCRIPTION);

    const refused = await run(subgraphs);
    expect(refused.ok).toBe(false);
    expect(refused.operationProblems).toEqual([]);
    expect(unacknowledgedBreaking(refused).map((c) => c.message)).toEqual([DESCRIPTION_REMOVED]);
    const printed = formatReport(refused, LABELS);
    expect(printed).toContain(`BREAKING  ${DESCRIPTION_REMOVED} [Product.description]`);
    // The message says how to ship it anyway, with an entry ready to paste.
    expect(printed).toContain(
      JSON.stringify({ change: DESCRIPTION_REMOVED, reason: '<why>', date: '2026-01-15' }),
    );
    expect(printed).toContain('schema check FAILED: 1 unacknowledged breaking change(s)');

    const ack: Acknowledgement = {
      change: DESCRIPTION_REMOVED,
      reason: 'No client reads it; the storefront shows the name only.',
      date: '2026-01-15',
    };
    const accepted = await run(subgraphs, { acknowledgements: [ack] });
    expect(accepted.ok).toBe(true);
    expect(accepted.changes[0]?.acknowledgement).toEqual(ack);
    expect(accepted.unusedAcknowledgements).toEqual([]);
    expect(formatReport(accepted, LABELS)).toContain(
      'acknowledged 2026-01-15: No client reads it; the storefront shows the name only.',
    );
  });

  it('says an acknowledgement can go once the committed supergraph has the change', async () => {
    const ack: Acknowledgement = {
      change: DESCRIPTION_REMOVED,
      reason: 'shipped',
      date: '2026-01-15',
    };
    const subgraphs = edit(...REMOVE_DESCRIPTION);
    const composedAfter = compose(subgraphs).supergraphSdl;
    const report = await run(subgraphs, {
      previousSupergraphSdl: composedAfter,
      acknowledgements: [ack],
    });
    expect(report.ok).toBe(true);
    expect(report.unusedAcknowledgements).toEqual([ack]);
    expect(formatReport(report, LABELS)).toContain(
      `note: acknowledgement "${DESCRIPTION_REMOVED}" (2026-01-15) matches no change any more; remove it from schema/breaking-changes.json`,
    );
  });

  it('passes an added field as a safe change', async () => {
    const subgraphs = edit(
      'product',
      '  sku: String!\n',
      '  sku: String!\n  "Grams, for shipping rates."\n  weight: Int\n',
    );
    const report = await run(subgraphs);
    expect(report.ok).toBe(true);
    expect(report.changes.map((c) => [c.level, c.type, c.path])).toContainEqual([
      'safe',
      'FIELD_ADDED',
      'Product.weight',
    ]);
    expect(report.changes.every((c) => c.level === 'safe')).toBe(true);
    expect(formatReport(report, LABELS)).toMatch(
      /SAFE {6}Field 'weight' was added to object type 'Product' \[Product\.weight\]/,
    );
  });

  it('passes a new enum value as dangerous, saying why', async () => {
    const subgraphs = edit(
      'order',
      '  PENDING\n',
      '  PENDING\n  "Held for a fraud review."\n  ON_HOLD\n',
    );
    const report = await run(subgraphs);
    expect(report.ok).toBe(true);
    const change = report.changes.find((c) => c.type === 'ENUM_VALUE_ADDED');
    expect(change?.level).toBe('dangerous');
    expect(change?.reason).toBeTruthy();
  });

  it('fails composition with a message naming the subgraphs, the type and the field', async () => {
    // Inventory declares Money too, with another type for amount.
    const inventory = SUBGRAPHS.find((s) => s.name === 'inventory')!;
    const conflicting = [
      '"An exact amount of money: integer minor units (1999 = 19.99) and an ISO 4217 currency."',
      'type Money @shareable {',
      '  "Amount in minor units of the currency (cents for EUR/USD)."',
      '  amount: String!',
      '  "ISO 4217 currency code, e.g. EUR."',
      '  currency: String!',
      '}',
    ].join('\n');
    const subgraphs = SUBGRAPHS.map((s) =>
      s === inventory ? { ...s, sdl: `${s.sdl}\n${conflicting}\n` } : s,
    );
    const report = await run(SUBGRAPHS, { subgraphs });
    expect(report.ok).toBe(false);
    expect(report.composed).toBeNull();
    expect(report.compositionProblems).toHaveLength(1);
    expect(report.compositionProblems[0]).toMatch(
      /^FIELD_TYPE_MISMATCH: Type of field "Money.amount" is incompatible across subgraphs: it has type "String!" in subgraph "inventory" but type "Int!" in subgraphs .*"product"/,
    );
    const printed = formatReport(report, LABELS);
    expect(printed).toContain('composition FAILED:\n  - FIELD_TYPE_MISMATCH');
    expect(printed).toContain('schema check FAILED: the subgraph schemas do not compose');
  });

  it('lints descriptions and naming, pointing at the subgraph file to fix', async () => {
    const subgraphs = edit('product', '  sku: String!\n', '  sku: String!\n  Shelf_code: String\n');
    const report = await run(subgraphs);
    expect(report.ok).toBe(false);
    expect(report.lintProblems).toEqual([
      'Product.Shelf_code is not camelCase (in subgraphs/product/schema.graphql)',
      'Product.Shelf_code has no description (in subgraphs/product/schema.graphql)',
    ]);
  });

  it('catches a committed supergraph that is not the composition of the subgraphs', async () => {
    const subgraphs = edit(
      'product',
      '  sku: String!\n',
      '  sku: String!\n  "Grams."\n  weight: Int\n',
    );
    const report = await run(subgraphs, { committed: committedFor(SUBGRAPHS) });
    expect(report.ok).toBe(false);
    expect(report.staleFiles.map((s) => s.file)).toEqual([
      'schema/supergraph.graphql',
      'schema/api.graphql',
    ]);
    expect(formatReport(report, LABELS)).toContain(
      'schema/supergraph.graphql: run `npm run schema:compose` and commit the result',
    );
  });

  it('catches a stale persisted-documents manifest', async () => {
    const changed: OperationDocument[] = [
      {
        ...OPERATIONS[0]!,
        source: OPERATIONS[0]!.source.replace('    email\n', '    email\n    name\n'),
      },
    ];
    expect(changed[0]!.source).not.toBe(OPERATIONS[0]!.source);
    const report = await run(SUBGRAPHS, {
      ownOperations: changed,
      committed: committedFor(SUBGRAPHS),
    });
    expect(report.ok).toBe(false);
    expect(report.staleFiles).toEqual([
      {
        file: 'client/persisted-documents.json',
        fix: 'run `npm run persisted-documents` and commit the result',
      },
    ]);
  });

  it('validates contract operations too, by file and operation name', async () => {
    const contract: OperationDocument[] = [
      {
        file: '../shared/contract/admin.graphql',
        source: 'query Stock { product(id: "1") { sku stock } }',
      },
    ];
    const report = await run(SUBGRAPHS, { contractOperations: contract });
    expect(report.ok).toBe(false);
    expect(report.operationProblems).toEqual([
      '../shared/contract/admin.graphql: operation Stock: Cannot query field "stock" on type "Product". (at product.stock, line 1)',
    ]);
  });
});
