import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { SecretMemory } from '../guards/secret-memory.js';
import type { RunEvent } from './run-events.js';

/**
 * The audit log (DESIGN.md 4.7): one JSON object a line for each model request, tool call and
 * refusal, appended synchronously so that a crash or the deadline cannot lose the lines before it.
 */
export class AuditLog {
  constructor(
    private readonly file: string,
    private readonly secrets: SecretMemory,
    private readonly runId: string,
  ) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }

  write(event: RunEvent): void {
    const line = this.secrets.scrubDeep({ time: new Date().toISOString(), run: this.runId, ...event });
    appendFileSync(this.file, JSON.stringify(line) + '\n', 'utf8');
  }
}
