/**
 * Preloaded (`node --import`) into a gateway under the profiler: SIGTERM and
 * SIGINT exit at once, and cleanly, so that `--cpu-prof` writes its profile.
 * Apollo's own handler re-raises the signal after stopping, which would kill
 * the process before the profile is written. Loaded before the gateway, so
 * it is the first listener.
 */
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => process.exit(0));
}

export {};
