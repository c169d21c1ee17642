// The OpenTelemetry settings, from the standard OTEL_* variables (read by
// src/config.ts's loadConfig, which turns a TracingConfigError into its
// ConfigError). Tracing is OFF unless asked for:
//   - OTEL_SDK_DISABLED=true                        off, whatever else is set;
//   - OTEL_TRACES_EXPORTER=none                     off;
//   - OTEL_TRACES_EXPORTER=otlp                     on (endpoint default http://localhost:4318);
//   - OTEL_TRACES_EXPORTER unset, and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
//     OTEL_EXPORTER_OTLP_ENDPOINT set              on;
//   - nothing of these set                          off (unlike the SDK's default, which is otlp:
//                                                   nothing in the default start-up needs the network).
// Spans go over OTLP/HTTP, protobuf (the spec's default) or JSON; gRPC is not
// shipped. Every variable the exporter and the batch processor would read for
// themselves is read here and handed to them, so this stays the only reader.
export interface TracingConfig {
  /** Whether spans are made and exported (see the header). */
  readonly enabled: boolean;
  /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  readonly endpoint: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  /** Sent with every export (an API key of a hosted backend, say); never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** How long one export may take. */
  readonly timeoutMs: number;
  /** service.name (OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES' service.name, else the package's name). */
  readonly serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, percent-decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: TracingSampler;
  /** The batch span processor: how often a batch is sent, and how many spans wait at most (more are dropped). */
  readonly batch: { readonly scheduleDelayMs: number; readonly maxQueueSize: number };
}

export type SamplerName = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

export interface TracingSampler {
  readonly name: SamplerName;
  /** The share of new traces kept by the *traceidratio samplers (OTEL_TRACES_SAMPLER_ARG, 0..1). */
  readonly ratio: number;
}

/** A bad OTEL_* value; loadConfig reports it as a ConfigError naming the variable. */
export class TracingConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

export const DEFAULT_SERVICE_NAME = 'shop-graphql-gateway';
const DEFAULT_ENDPOINT = 'http://localhost:4318';
const SAMPLERS: readonly SamplerName[] = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

type Env = Record<string, string | undefined>;

function text(env: Env, variable: string): string | null {
  const raw = env[variable]?.trim();
  return raw ? raw : null;
}

function flag(env: Env, variable: string): boolean {
  const raw = text(env, variable)?.toLowerCase();
  if (raw === undefined) return false;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new TracingConfigError(variable, `must be true or false, but got "${env[variable]}"`);
}

function millis(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = text(env, variable);
  if (raw === null) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new TracingConfigError(variable, `must be a whole number between ${min} and ${max}, but got "${raw}"`);
  return value;
}

function httpUrl(env: Env, variable: string): string | null {
  const raw = text(env, variable);
  if (raw === null) return null;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TracingConfigError(variable, `must be an http:// or https:// URL (OTLP over HTTP), but got "${raw}"`);
  }
  return raw;
}

/**
 * `key=value,key2=value2`, keys and values percent-decoded (the W3C baggage
 * form the OTEL_* list variables use). Values are never echoed: headers may
 * hold an API key.
 */
function keyValues(env: Env, variable: string): Record<string, string> {
  const raw = text(env, variable);
  const pairs: Record<string, string> = {};
  if (raw === null) return pairs;
  raw.split(',').forEach((item, index) => {
    if (item.trim() === '') return;
    const at = item.indexOf('=');
    const key = at > 0 ? decode(item.slice(0, at).trim()) : null;
    const value = at > 0 ? decode(item.slice(at + 1).trim()) : null;
    if (!key || value === null) {
      throw new TracingConfigError(variable, `must be a comma-separated list of key=value pairs, but entry ${index + 1} is not one`);
    }
    pairs[key] = value;
  });
  return pairs;
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

function protocol(env: Env, variable: string): TracingConfig['protocol'] | null {
  const raw = text(env, variable)?.toLowerCase();
  if (raw === undefined) return null;
  if (raw === 'http/protobuf' || raw === 'http/json') return raw;
  throw new TracingConfigError(variable, `must be http/protobuf or http/json (gRPC is not supported), but got "${env[variable]}"`);
}

/** OTEL_TRACES_EXPORTER: 'otlp', 'none', or null when unset. */
function exporter(env: Env): 'otlp' | 'none' | null {
  const raw = text(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (raw === undefined) return null;
  const names = new Set(raw.split(',').map((name) => name.trim()).filter((name) => name !== ''));
  for (const name of names) {
    if (name !== 'otlp' && name !== 'none') {
      throw new TracingConfigError('OTEL_TRACES_EXPORTER', `must be otlp or none (the only exporter shipped is OTLP over HTTP), but got "${env.OTEL_TRACES_EXPORTER}"`);
    }
  }
  return names.has('none') || names.size === 0 ? 'none' : 'otlp';
}

function sampler(env: Env): TracingSampler {
  const raw = text(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on';
  if (!SAMPLERS.includes(raw as SamplerName)) {
    throw new TracingConfigError('OTEL_TRACES_SAMPLER', `must be one of ${SAMPLERS.join(', ')}, but got "${env.OTEL_TRACES_SAMPLER}"`);
  }
  const arg = text(env, 'OTEL_TRACES_SAMPLER_ARG');
  const ratio = arg === null ? 1 : Number(arg);
  if (!(arg === null || (/^[0-9.eE+-]+$/.test(arg) && ratio >= 0 && ratio <= 1))) {
    throw new TracingConfigError('OTEL_TRACES_SAMPLER_ARG', `must be a number between 0 and 1 (the share of traces kept), but got "${arg}"`);
  }
  return { name: raw as SamplerName, ratio };
}

/** The tracing settings; every variable is read (and checked) whether tracing is on or not. */
export function tracingConfig(env: Env): TracingConfig {
  const disabled = flag(env, 'OTEL_SDK_DISABLED');
  const chosen = exporter(env);
  const base = httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const traces = httpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = traces ?? `${(base ?? DEFAULT_ENDPOINT).replace(/\/+$/, '')}/v1/traces`;
  const resourceAttributes = keyValues(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const enabled = !disabled && (chosen === 'otlp' || (chosen === null && (base !== null || traces !== null)));
  return {
    enabled,
    endpoint,
    protocol: protocol(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? protocol(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf',
    // The traces-only headers add to (and override) the general ones.
    headers: { ...keyValues(env, 'OTEL_EXPORTER_OTLP_HEADERS'), ...keyValues(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    timeoutMs: millis(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', millis(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 1, 600_000), 1, 600_000),
    serviceName: text(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? DEFAULT_SERVICE_NAME,
    resourceAttributes,
    sampler: sampler(env),
    batch: {
      scheduleDelayMs: millis(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 1, 600_000),
      maxQueueSize: millis(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000),
    },
  };
}
