// TEMPORARY stand-in for src/sandbox/sandbox.ts (GitHub + Slack parts) until it lands.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Scenario } from '../src/sandbox/scenario-types.js';

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

export async function startTempSandbox(scenario: Scenario) {
  const messages: { channel: string; text: string; blocks?: unknown }[] = [];
  const [owner, repo] = scenario.repository.split('/');
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (url.pathname.startsWith('/slack/api/')) {
        const raw = await body(req);
        const params: Record<string, string> = req.headers['content-type']?.includes('json')
          ? JSON.parse(raw)
          : Object.fromEntries(new URLSearchParams(raw));
        if (params['channel'] !== 'C0SANDBOX') return send(200, { ok: false, error: 'channel_not_found' });
        messages.push({
          channel: params['channel'],
          text: params['text'] ?? '',
          ...(params['blocks'] ? { blocks: JSON.parse(params['blocks']) } : {}),
        });
        return send(200, { ok: true, channel: params['channel'], ts: `1700000000.00000${messages.length}` });
      }
      const contents = new RegExp(`^/github/repos/${owner}/${repo}/contents/?(.*)$`).exec(url.pathname);
      if (contents) {
        const path = decodeURIComponent(contents[1] ?? '');
        const file = scenario.repoFiles[path];
        const html = (p: string) => `https://github.com/${scenario.repository}/blob/main/${p}`;
        if (file !== undefined) {
          return send(200, {
            type: 'file',
            encoding: 'base64',
            size: Buffer.byteLength(file),
            name: path.split('/').pop(),
            path,
            content: Buffer.from(file).toString('base64'),
            sha: 'abc',
            html_url: html(path),
          });
        }
        const prefix = path ? `${path}/` : '';
        const names = new Set(
          Object.keys(scenario.repoFiles)
            .filter((p) => p.startsWith(prefix))
            .map((p) => p.slice(prefix.length).split('/')[0] ?? ''),
        );
        if (names.size === 0)
          return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        return send(
          200,
          [...names].map((name) => {
            const full = prefix + name;
            const isFile = full in scenario.repoFiles;
            return {
              name,
              path: full,
              type: isFile ? 'file' : 'dir',
              size: isFile ? 10 : 0,
              html_url: html(full),
            };
          }),
        );
      }
      if (url.pathname === '/github/search/code') {
        const q = url.searchParams.get('q') ?? '';
        const terms = q.split(' ').filter((t) => !t.startsWith('repo:'));
        const items = Object.entries(scenario.repoFiles)
          .filter(([, text]) => terms.every((t) => text.includes(t)))
          .map(([path]) => ({
            path,
            name: path,
            html_url: `https://github.com/${scenario.repository}/blob/main/${path}`,
          }));
        return send(200, { total_count: items.length, incomplete_results: false, items, q });
      }
      if (url.pathname === `/github/repos/${owner}/${repo}/commits`) {
        const path = url.searchParams.get('path');
        const list = scenario.commits
          .filter((c) => !path || c.files.includes(path))
          .slice(0, Number(url.searchParams.get('per_page') ?? 30))
          .map((c) => ({
            sha: c.sha,
            html_url: `https://github.com/${scenario.repository}/commit/${c.sha}`,
            commit: { message: c.message, author: { name: c.author, date: c.date } },
            author: null,
          }));
        return send(200, list);
      }
      send(404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: {
      GITHUB_API_URL: `${base}/github`,
      GITHUB_TOKEN: 'ghp_sandbox',
      GITHUB_REPOSITORY: scenario.repository,
      SLACK_API_URL: `${base}/slack/api/`,
      SLACK_BOT_TOKEN: 'xoxb-sandbox',
      SLACK_CHANNEL_ID: 'C0SANDBOX',
    } as Record<string, string>,
    slackMessages: () => messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
