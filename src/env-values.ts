// The environment's values as loadConfig (config.ts) reads them: whole
// numbers in bounds, booleans, database URLs, each refused with a ConfigError
// that names the variable and says what was expected.

/** A bad environment value: main.ts prints `message` as one line and exits 1. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export interface DatabaseTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly name: string;
}

export function int(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(variable, `must be a whole number between ${min} and ${max}, but got "${raw}"`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(variable, `must be between ${min} and ${max}, but got ${value}`);
  }
  return value;
}

export function bool(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(variable, `must be true or false, but got "${env[variable]}"`);
}

export function parseDatabaseUrl(url: string, variable = 'DATABASE_URL'): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(variable, `"${url}" is not a URL (expected mysql://user:password@host:port/database)`);
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new ConfigError(variable, `protocol must be mysql:, but got "${parsed.protocol}"`);
  }
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(name)) {
    throw new ConfigError(variable, `database name must be 1-64 letters, digits, _ or $, but got "${name}"`);
  }
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  if (!parsed.hostname) throw new ConfigError(variable, 'host is missing');
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    name,
  };
}
