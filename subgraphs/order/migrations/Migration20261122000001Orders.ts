import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000001Orders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL,
        status varchar(20) NOT NULL CHECK (status IN
          ('PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
        status_reason varchar(20) CHECK (status_reason IN
          ('OUT_OF_STOCK', 'PAYMENT_DECLINED', 'EXPIRED', 'CUSTOMER_CANCELLED')),
        version integer NOT NULL CHECK (version >= 1),
        total_amount integer NOT NULL CHECK (total_amount >= 0),
        currency char(3) NOT NULL,
        shipping_line1 varchar(200) NOT NULL,
        shipping_city varchar(100) NOT NULL,
        shipping_postal_code varchar(20) NOT NULL,
        shipping_country char(2) NOT NULL,
        payment_method varchar(100) NOT NULL,
        idempotency_key varchar(100) NOT NULL,
        request_fingerprint char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        -- A reason exactly when cancelled: the contract's "null unless CANCELLED".
        CONSTRAINT orders_reason_iff_cancelled CHECK ((status = 'CANCELLED') = (status_reason IS NOT NULL))
      )`);
    // One order per customer and key: the database, not a read-then-insert, settles concurrent retries.
    this.addSql(
      `CREATE UNIQUE INDEX orders_customer_idempotency_key ON orders (customer_id, idempotency_key)`,
    );
    // Keyset pages, newest first: per customer (User.orders), overall and by status (admin list).
    this.addSql(
      `CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at DESC, id DESC)`,
    );
    this.addSql(`CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC)`);
    this.addSql(
      `CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC)`,
    );
    // The expiry job only ever looks at orders still waiting for stock or payment.
    this.addSql(`
      CREATE INDEX orders_open_expiry_idx ON orders (expires_at)
        WHERE status IN ('PENDING', 'AWAITING_PAYMENT')`);

    this.addSql(`
      CREATE TABLE order_lines (
        order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        line_no smallint NOT NULL CHECK (line_no >= 0),
        product_id uuid NOT NULL,
        quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
        unit_price_amount integer NOT NULL CHECK (unit_price_amount >= 0),
        currency char(3) NOT NULL,
        PRIMARY KEY (order_id, line_no),
        UNIQUE (order_id, product_id)
      )`);

    this.addSql(`
      CREATE TABLE catalog_products (
        product_id uuid PRIMARY KEY,
        sku text NOT NULL,
        name text NOT NULL,
        price_amount integer NOT NULL,
        price_currency char(3) NOT NULL,
        active boolean NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }
}
