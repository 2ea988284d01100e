import { readFileSync } from 'node:fs';

const PROMPTS = new URL('../../prompts/', import.meta.url);

/** The system prompt: identical bytes on every run, so that it is served from the prompt cache. */
export function systemPrompt(): string {
  return readFileSync(new URL('system.md', PROMPTS), 'utf8').trim();
}

export interface TaskFields {
  service: string;
  namespace: string;
  alert?: string;
  repository: string | null;
  now: Date;
}

/** The task prompt: the only part of the first request that changes between runs. */
export function taskPrompt(fields: TaskFields): string {
  const values: Record<string, string> = {
    service: fields.service,
    namespace: fields.namespace,
    alert: fields.alert?.trim() || '(no alert text; the service was named by an engineer)',
    repository: fields.repository ?? '(none configured)',
    now: fields.now.toISOString(),
  };
  return readFileSync(new URL('task.md', PROMPTS), 'utf8')
    .replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '')
    .trim();
}
