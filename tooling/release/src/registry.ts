// A real npm registry for the round trip: Verdaccio, in this process, on a free loopback
// port, storage in a temp dir. @ctrack/* is served from that storage only (no uplink:
// nothing of ours can come from the public registry); everything else (tsyringe,
// reflect-metadata, tslib) is proxied to registry.npmjs.org.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runServer } from 'verdaccio';

export interface Registry {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** A publish token of a user created on it. */
  token: string;
  /** npm config lines that point at it and authenticate (for a temp userconfig). */
  npmrc: string;
  stop(): Promise<void>;
}

export async function startRegistry(dir: string): Promise<Registry> {
  const config = {
    self_path: join(dir, 'config.yaml'),
    storage: join(dir, 'storage'),
    auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 10 } },
    // Verdaccio marks an uplink offline for fail_timeout after max_fails failed requests
    // (defaults 2 and 5 min): one reset connection on a busy machine would then turn every
    // later tsyringe/reflect-metadata request into a 404. Retry instead.
    uplinks: {
      npmjs: {
        url: 'https://registry.npmjs.org/',
        timeout: '60s',
        maxage: '30m',
        max_fails: 1000,
        fail_timeout: '1s',
      },
    },
    packages: {
      '@ctrack/*': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
      '**': { access: '$all', publish: '$authenticated', proxy: 'npmjs' },
    },
    web: { enable: false },
    max_body_size: '100mb',
    log: { type: 'stdout', format: 'pretty', level: 'fatal' },
  };
  const app = await runServer(config as never);
  const server: Server = await new Promise((resolvePromise, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolvePromise(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  const stop = () =>
    new Promise<void>((resolvePromise) => {
      server.closeAllConnections?.();
      server.close(() => resolvePromise());
    });
  try {
    const token = await addUser(url);
    const npmrc = [`registry=${url}`, `//127.0.0.1:${port}/:_authToken=${token}`, ''].join('\n');
    return { url, token, npmrc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `npm adduser` against it: the registry answers with a token. */
async function addUser(url: string): Promise<string> {
  const name = 'ctrack-release';
  const res = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'round-trip-only', email: 'release@ctrack.invalid' }),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || !body.token) throw new Error(`registry adduser: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** Versions of a package the registry holds (none: empty). */
export async function registryVersions(url: string, name: string): Promise<string[]> {
  const res = await fetch(`${url}${name.replace('/', '%2f')}`);
  if (res.status === 404) return [];
  const doc = (await res.json()) as { versions?: Record<string, unknown> };
  return Object.keys(doc.versions ?? {}).sort();
}
