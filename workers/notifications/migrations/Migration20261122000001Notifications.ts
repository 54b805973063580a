import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000001Notifications extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY,
        -- The second line of defence behind the inbox: one notification per event, ever.
        event_id uuid NOT NULL UNIQUE,
        order_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        kind varchar(32) NOT NULL
          CHECK (kind IN ('ORDER_CONFIRMED', 'ORDER_CANCELLED', 'ORDER_SHIPPED', 'PAYMENT_REFUNDED')),
        reason varchar(32),
        channel varchar(16) NOT NULL,
        recipient varchar(254),
        subject varchar(200) NOT NULL,
        body text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX notifications_order_idx ON notifications (order_id)');
    this.addSql('CREATE INDEX notifications_customer_idx ON notifications (customer_id, sent_at)');
    this.addSql(`
      CREATE TABLE recipients (
        user_id uuid PRIMARY KEY,
        email varchar(254) NOT NULL,
        name varchar(100) NOT NULL
      )`);
    this.addSql(`
      CREATE TABLE order_customers (
        order_id uuid PRIMARY KEY,
        customer_id uuid NOT NULL
      )`);
  }
}
