import http from 'node:http';
import https from 'node:https';

import type { KubeConfig } from '@kubernetes/client-node';

import { isCredentialResource, resourceOfPath } from './credential-kinds.js';

/**
 * GET-only access to any path of the Kubernetes API, for discovery and for kinds the typed
 * clients do not cover (`get_resources`). It cannot write, and it refuses credential-bearing
 * resources itself, so the server cannot read a Secret whatever a caller asks.
 */
export interface KubernetesApiReader {
  /** GET `path` (`/apis/apps/v1/namespaces/x/deployments`) and parse the JSON answer. */
  get(
    path: string,
    options?: { query?: Record<string, string | undefined>; accept?: string },
  ): Promise<unknown>;
}

/** A non-2xx answer, shaped like the client library's errors (`code`, `body`) for describeKubernetesError. */
export class KubernetesHttpError extends Error {
  override readonly name = 'KubernetesHttpError';
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

/** A request the reader itself refuses: a credential-bearing resource. */
export class RefusedPathError extends Error {
  override readonly name = 'RefusedPathError';
}

const requestTimeoutMs = 20_000;
const maxBodyBytes = 32 * 1024 * 1024;

/** The reader over a kubeconfig's current cluster and credentials (certificates, tokens, exec plugins). */
export function kubernetesApiReader(kubeConfig: KubeConfig): KubernetesApiReader {
  return {
    async get(path, options = {}) {
      const target = resourceOfPath(path);
      if (target && isCredentialResource(target.group, target.resource, target.subresource)) {
        throw new RefusedPathError(`reading ${target.resource} is refused: it holds credentials`);
      }
      const cluster = kubeConfig.getCurrentCluster();
      if (!cluster) throw new Error('the kubeconfig has no current cluster');
      const url = new URL(cluster.server.replace(/\/$/, '') + path);
      for (const [key, value] of Object.entries(options.query ?? {})) {
        if (value !== undefined && value !== '') url.searchParams.set(key, value);
      }
      const requestOptions: https.RequestOptions = {
        method: 'GET',
        headers: { accept: options.accept ?? 'application/json' },
        timeout: requestTimeoutMs,
      };
      await kubeConfig.applyToHTTPSOptions(requestOptions);
      return request(url, requestOptions);
    },
  };
}

function request(url: URL, options: https.RequestOptions): Promise<unknown> {
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          req.destroy(new Error(`the answer of ${url.pathname} is larger than ${maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) return reject(new KubernetesHttpError(status, body));
        try {
          resolve(JSON.parse(body) as unknown);
        } catch (error) {
          reject(new Error(`the answer of ${url.pathname} is not JSON`, { cause: error }));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${url.host} within ${requestTimeoutMs / 1000}s`)),
    );
    req.on('error', reject);
    req.end();
  });
}
