import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000101Initial extends Migration {
  override async up(): Promise<void> {
    // The CHECKs are the last line of defence: the services' conditional
    // UPDATEs refuse such changes first, with a user error.
    this.addSql(`
      CREATE TABLE stock_items (
        product_id uuid PRIMARY KEY,
        on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
        reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        version integer NOT NULL DEFAULT 1,
        archived_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stock_items_reserved_within_on_hand CHECK (reserved <= on_hand)
      )`);
    this.addSql(`
      CREATE TABLE reservations (
        order_id uuid PRIMARY KEY,
        status varchar(16) NOT NULL
          CHECK (status IN ('RESERVED', 'REJECTED', 'RELEASED', 'COMMITTED', 'RETURNED')),
        shortages jsonb,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE reservation_lines (
        order_id uuid NOT NULL REFERENCES reservations (order_id) ON DELETE CASCADE,
        product_id uuid NOT NULL REFERENCES stock_items (product_id),
        quantity integer NOT NULL CHECK (quantity > 0),
        PRIMARY KEY (order_id, product_id)
      )`);
    this.addSql(`CREATE INDEX reservation_lines_product_idx ON reservation_lines (product_id)`);
  }
}
