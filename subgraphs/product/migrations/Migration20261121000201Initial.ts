import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000201Initial extends Migration {
  override async up(): Promise<void> {
    // `name` sorts by code point (COLLATE "C"): the catalogue order, and so the
    // keyset cursors, do not depend on the server's locale.
    this.addSql(`
      CREATE TABLE products (
        id uuid PRIMARY KEY,
        sku varchar(64) NOT NULL,
        name varchar(200) COLLATE "C" NOT NULL,
        description text,
        category varchar(100) NOT NULL,
        price_amount integer NOT NULL CHECK (price_amount > 0),
        price_currency varchar(3) NOT NULL CHECK (price_currency ~ '^[A-Z]{3}$'),
        archived_at timestamptz,
        version integer NOT NULL DEFAULT 1 CHECK (version > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // SKUs are unique case-insensitively, archived products included: an SKU names one product forever.
    this.addSql(`CREATE UNIQUE INDEX products_sku_lower_key ON products (lower(sku))`);
    // The listing: active products by (name, id), filtered by category or not.
    this.addSql(
      `CREATE INDEX products_active_name_idx ON products (name, id) WHERE archived_at IS NULL`,
    );
    this.addSql(
      `CREATE INDEX products_active_category_name_idx ON products (category, name, id) WHERE archived_at IS NULL`,
    );
    // Trigram indexes serve the case-insensitive substring search (ILIKE '%…%').
    this.addSql(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    for (const column of ['name', 'sku', 'description']) {
      this.addSql(
        `CREATE INDEX products_${column}_trgm_idx ON products USING gin (${column} gin_trgm_ops) WHERE archived_at IS NULL`,
      );
    }
  }
}
