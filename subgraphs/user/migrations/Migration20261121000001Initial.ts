import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000001Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email varchar(254) NOT NULL,
        name varchar(100) NOT NULL,
        password_hash varchar(255) NOT NULL,
        roles text[] NOT NULL DEFAULT '{CUSTOMER}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Emails are unique case-insensitively; the service also stores them lower-cased.
    this.addSql(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    this.addSql(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        token_hash varchar(64) NOT NULL UNIQUE,
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    this.addSql(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id)`);
  }
}
