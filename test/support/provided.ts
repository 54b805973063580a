/**
 * What the global setup hands to every test file (vitest `provide`/`inject`).
 * Values cross a process boundary, so they are plain JSON.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The gateway's `/graphql` URL, or null while no gateway entry point exists. */
    gatewayUrl: string | null;
    /** Each started service's GraphQL URL, by name. */
    serviceUrls: Record<string, string>;
    /** The run's isolated environment (ports, database, prefixes, brokers). */
    testEnv: Record<string, string>;
    /** Unique per `vitest run`; part of every topic, key prefix and log name of the run. */
    testRunId: string;
  }
}

export {};
