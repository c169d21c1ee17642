// The one way in to the SDK: null when tracing is off (nothing of
// @opentelemetry/* is loaded then), else start.ts, imported here on demand.
import type { TracingConfig } from './config.ts';
import type { Tracing } from './tracing.ts';

export async function startConfiguredTracing(config: TracingConfig): Promise<Tracing | null> {
  if (!config.enabled) return null;
  const { startTracing } = await import('./start.ts');
  return startTracing(config);
}
