import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidAcknowledgements,
  parseAcknowledgements,
} from '../../scripts/lib/acknowledgements.js';
import {
  buildPersistedDocuments,
  documentHash,
  printPersistedDocuments,
} from '../../scripts/lib/persisted-documents.js';

const source = readFileSync(
  new URL('./fixtures/operations/storefront.graphql', import.meta.url),
  'utf8',
);
const docs = [{ file: 'storefront.graphql', source }];

describe('persisted-documents manifest', () => {
  it('keys each operation by the sha256 of its exact text, with only the fragments it spreads', () => {
    const manifest = buildPersistedDocuments(docs);
    const entries = Object.entries(manifest);
    expect(entries).toHaveLength(2);
    for (const [hash, text] of entries) expect(documentHash(text)).toBe(hash);
    const [catalog, me] = entries.map(([, text]) => text);
    expect(catalog).toMatch(/^query Catalog/);
    expect(catalog).toContain('fragment Price on Money');
    expect(catalog).toContain('fragment ProductCard on Product');
    expect(me).toMatch(/^query Me/);
    expect(me).not.toContain('fragment');
  });

  it('does not change when only comments or layout change', () => {
    const relaid = `# another comment\n${source.replace(/\n\s*currency\n/, '\n      currency\n')}`;
    expect(relaid).not.toBe(source);
    expect(
      printPersistedDocuments(buildPersistedDocuments([{ file: 'x.graphql', source: relaid }])),
    ).toBe(printPersistedDocuments(buildPersistedDocuments(docs)));
  });

  it('refuses two operations of the same name', () => {
    expect(() =>
      buildPersistedDocuments([
        ...docs,
        { file: 'other.graphql', source: 'query Me { me { id } }' },
      ]),
    ).toThrow('operation Me is defined in other.graphql and storefront.graphql');
  });
});

describe('breaking-change acknowledgements', () => {
  it('reads change, reason and date', () => {
    const text = JSON.stringify({
      acknowledged: [
        {
          change: "Field 'x' was removed from object type 'T'",
          reason: 'unused',
          date: '2026-01-15',
        },
      ],
    });
    expect(parseAcknowledgements(text, 'acks.json')).toHaveLength(1);
  });

  it('refuses an acknowledgement without a reason', () => {
    const text = JSON.stringify({
      acknowledged: [{ change: 'c', reason: ' ', date: '2026-01-15' }],
    });
    expect(() => parseAcknowledgements(text, 'acks.json')).toThrow(InvalidAcknowledgements);
    expect(() => parseAcknowledgements(text, 'acks.json')).toThrow(
      'acks.json: acknowledged.0.reason: say why the break is acceptable',
    );
  });
});
