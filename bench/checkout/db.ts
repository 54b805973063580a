import pg from 'pg';
import { serviceDatabaseUrl, type SubgraphName } from '../../platform/config.js';

/**
 * Read-only access to the benchmark stack's service databases, for the
 * measurements taken around the load (outbox backlog, hop timings, the
 * oversell check): an operator's view, as `npm run events:history` takes,
 * never something a service does. One connection per service database.
 */
export class ServiceDatabases {
  private readonly pools = new Map<SubgraphName, pg.Pool>();

  constructor(private readonly env: Record<string, string>) {}

  async query<Row extends pg.QueryResultRow>(
    service: SubgraphName,
    sql: string,
    params: unknown[] = [],
  ): Promise<Row[]> {
    let pool = this.pools.get(service);
    if (!pool) {
      pool = new pg.Pool({
        connectionString: serviceDatabaseUrl(service, this.env, this.env.DATABASE_URL!),
        max: 1,
        application_name: 'bench-checkout',
      });
      this.pools.set(service, pool);
    }
    return (await pool.query<Row>(sql, params)).rows;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
    this.pools.clear();
  }
}
