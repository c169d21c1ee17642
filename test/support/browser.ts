// Debian's headless Chromium (/usr/bin/chromium) driven by playwright-core, for
// tests of what a person sees. playwright-core never downloads a browser of its
// own; .ci/run installs Debian's chromium when it is missing. Each launch gets a
// fresh profile, and every request to a host other than 127.0.0.1 is refused and
// recorded, so a page that needs a CDN fails its test instead of passing here and
// breaking on a machine without internet access.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The flags this machine needs: root needs --no-sandbox; without the
 * background-networking ones Chromium keeps dialling Google's hosts, which a
 * closed network refuses many times a second.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why browser tests cannot run here, or null when they can. Without Chromium
 * they are skipped, except in CI: there .ci/run installs it, and only when that
 * install failed (it then sets CHROMIUM_UNAVAILABLE to the reason) may they skip.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  if (process.env.CHROMIUM_UNAVAILABLE) return `Chromium could not be installed: ${process.env.CHROMIUM_UNAVAILABLE}`;
  if (process.env.CI) return null; // run, and fail at launch: CI must have a browser
  return `${CHROMIUM_PATH} is missing (apt-get install -y chromium, as .ci/run does, to run the browser tests)`;
}

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL the browser asked for, in order (pages and their workers). */
  readonly requested: string[];
  /** Requests to hosts other than 127.0.0.1, refused before they left the browser. */
  readonly blocked: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'gw-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const requested: string[] = [];
  const blocked: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    requested,
    blocked,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
