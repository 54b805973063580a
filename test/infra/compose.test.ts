import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, SERVICE_NAMES } from '../../platform/config.js';
import { REPO_ROOT } from '../../scripts/lib/infra.js';
import { ALL_SERVICES } from '../../scripts/lib/stack.js';

/**
 * There is no Docker engine here, so docker-compose.yml and the Dockerfile
 * are kept truthful by construction: the compose file parses, runs every
 * service from the one image on its local port, probes the same readiness
 * endpoint, and gives services only variables that platform/config.ts reads.
 */

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

/** Variable names platform/config.ts reads: its schema keys and the per-service ones. */
function configVariables(): Set<string> {
  const source = read('platform/config.ts');
  const names = new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!));
  for (const service of SERVICE_NAMES) {
    const upper = service.toUpperCase();
    if (source.includes('_PORT`')) names.add(`${upper}_PORT`);
    if (source.includes('_DATABASE_URL`')) names.add(`${upper}_DATABASE_URL`);
  }
  return names;
}

const appServices = Object.entries(services).filter(([, s]) => s.build !== undefined);
const portVariable = (name: string) => `${name.toUpperCase()}_PORT`;

describe('docker-compose.yml', () => {
  it('runs every service from the one image, by its own name', () => {
    expect(appServices.map(([name]) => name).sort()).toEqual([...ALL_SERVICES].sort());
    for (const [name, service] of appServices) {
      expect(service.command, name).toEqual([name]);
      expect(service.image).toBe('ecommerce-supergraph:local');
    }
  });

  it('gives services only variables that platform/config.ts reads', () => {
    const known = configVariables();
    expect(known.has('DATABASE_URL') && known.has('USER_PORT')).toBe(true);
    for (const [name, service] of appServices) {
      const unknown = Object.keys(service.environment ?? {}).filter((v) => !known.has(v));
      expect(unknown, `${name} sets variables the config never reads`).toEqual([]);
    }
  });

  it('uses the local ports and probes /health/ready on them', () => {
    for (const [name, service] of appServices) {
      const port = DEFAULT_PORTS[name as keyof typeof DEFAULT_PORTS];
      expect(String(service.environment?.[portVariable(name)]), name).toBe(String(port));
      expect(service.environment?.HOST).toBe('0.0.0.0');
      const probe = service.healthcheck?.test ?? [];
      // A YAML slip (an unquoted `a ? b : c`) turns an argument into a mapping.
      expect(probe.every((arg) => typeof arg === 'string')).toBe(true);
      expect(probe.join(' '), name).toContain(`http://127.0.0.1:${port}/health/ready`);
    }
  });

  it('points the gateway at every subgraph by service name, after they are healthy', () => {
    const gateway = services.gateway!;
    for (const name of SERVICE_NAMES) {
      expect(gateway.environment?.[`${name.toUpperCase()}_URL`]).toBe(
        `http://${name}:${DEFAULT_PORTS[name]}/graphql`,
      );
      expect(gateway.depends_on?.[name]?.condition).toBe('service_healthy');
    }
  });

  it('runs Kafka 3.9 as a single KRaft node, with PostgreSQL 15 and Redis 7', () => {
    expect(services.kafka?.image).toMatch(/^apache\/kafka:3\.9(\.\d+)?$/);
    expect(services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.kafka?.healthcheck).toBeDefined();
    expect(services.postgres?.image).toBe('postgres:15');
    expect(services.redis?.image).toBe('redis:7');
    for (const [name, service] of appServices.filter(([n]) => n !== 'gateway')) {
      for (const dep of ['postgres', 'kafka', 'redis']) {
        expect(service.depends_on?.[dep]?.condition, `${name} → ${dep}`).toBe('service_healthy');
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it('builds on node:20-slim with npm ci and runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^USER (?!root)\w+$/m);
  });

  it('compiles the services into the image and starts one through the npm script that exists', () => {
    expect(dockerfile).toMatch(/^RUN npm run --silent build\b/m);
    expect(scripts.build).toMatch(/scripts\/build\.ts/);
    expect(dockerfile).toContain('"start:service"');
    expect(scripts['start:service']).toMatch(/scripts\/start-service\.js/);
  });
});
