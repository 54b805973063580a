import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000201Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL UNIQUE,
        customer_id uuid NOT NULL,
        amount integer NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        payment_method varchar(100) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED')),
        failure_reason varchar(100),
        processor_ref varchar(100),
        refund_ref varchar(100),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- A succeeded (or refunded) charge always names the processor's charge, which a refund needs.
        CONSTRAINT payments_charged_has_ref
          CHECK (status NOT IN ('SUCCEEDED', 'REFUNDED') OR processor_ref IS NOT NULL),
        CONSTRAINT payments_failed_has_reason
          CHECK (status <> 'FAILED' OR failure_reason IS NOT NULL)
      )`);
    this.addSql(`CREATE INDEX payments_customer_idx ON payments (customer_id)`);
  }
}
