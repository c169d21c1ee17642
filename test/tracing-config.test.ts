// Which OTEL_* variables turn traces on, and how the rest are read
// (src/tracing/config.ts, through loadConfig): the precise rules the README's
// "Tracing" section states, and bad values refused naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { startConfiguredTracing } from '../src/tracing/configured.ts';

const tracing = (env: Record<string, string>) => loadConfig(env).tracing;

describe('OTEL_* turning traces on', () => {
  it('is off with nothing set, and then starts nothing', async () => {
    expect(tracing({}).enabled).toBe(false);
    expect(await startConfiguredTracing(tracing({}))).toBeNull();
  });

  it('is on with an endpoint, or with OTEL_TRACES_EXPORTER=otlp alone', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({ enabled: true, endpoint: 'http://collector:4318/v1/traces' });
    expect(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/custom' })).toMatchObject({
      enabled: true,
      endpoint: 'https://otlp.example.com/custom',
    });
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ enabled: true, endpoint: 'http://localhost:4318/v1/traces' });
  });

  it('is off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever else is set', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracing({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(tracing({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(tracing({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(tracing({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).enabled).toBe(true);
  });

  it('prefers the traces-only variables to the general ones', () => {
    const config = tracing({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=general,x-team=shop',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=traces%20key',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000',
    });
    expect(config).toMatchObject({
      endpoint: 'http://traces:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: { 'x-api-key': 'traces key', 'x-team': 'shop' },
      timeoutMs: 2000,
    });
  });

  it('reads the service name and resource attributes', () => {
    expect(tracing({})).toMatchObject({ serviceName: 'shop-graphql-gateway', resourceAttributes: {} });
    expect(tracing({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment.name=prod%2Deu' })).toMatchObject({
      serviceName: 'from-attributes',
      resourceAttributes: { 'deployment.environment.name': 'prod-eu' },
    });
    expect(tracing({ OTEL_SERVICE_NAME: 'named', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes' }).serviceName).toBe('named');
  });

  it('reads the sampler and its ratio', () => {
    expect(tracing({}).sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    expect(tracing({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).sampler).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it('refuses bad values naming the variable, never echoing a header value', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).message;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    expect(refused({ OTEL_TRACES_EXPORTER: 'zipkin' })).toMatch(/^Invalid OTEL_TRACES_EXPORTER: must be otlp or none/);
    expect(refused({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatch(/^Invalid OTEL_EXPORTER_OTLP_PROTOCOL: .*gRPC is not supported/);
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toMatch(/^Invalid OTEL_EXPORTER_OTLP_ENDPOINT: must be an http/);
    expect(refused({ OTEL_TRACES_SAMPLER: 'sometimes' })).toMatch(/^Invalid OTEL_TRACES_SAMPLER: must be one of/);
    expect(refused({ OTEL_TRACES_SAMPLER_ARG: '2' })).toMatch(/^Invalid OTEL_TRACES_SAMPLER_ARG: must be a number between 0 and 1/);
    expect(refused({ OTEL_SDK_DISABLED: 'maybe' })).toMatch(/^Invalid OTEL_SDK_DISABLED: must be true or false/);
    expect(refused({ OTEL_BSP_SCHEDULE_DELAY: '0' })).toMatch(/^Invalid OTEL_BSP_SCHEDULE_DELAY/);
    const headers = refused({ OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret-value,broken' });
    expect(headers).toMatch(/^Invalid OTEL_EXPORTER_OTLP_HEADERS: .*entry 2/);
    expect(headers).not.toContain('s3cret-value');
  });
});
