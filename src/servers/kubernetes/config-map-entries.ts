import type { V1ConfigMap } from '@kubernetes/client-node';

import {
  isSecretEntry,
  looksSecretName,
  maskSecretLines,
  redacted,
} from '../../guards/secret-like-config.js';

/** One key of a ConfigMap: its value when short and not secret-like, else why it is not shown. */
export interface ConfigMapEntry {
  key: string;
  value?: string;
  redacted?: true;
  /** `long`: over the size shown in this view; `binary`: a `binaryData` key. */
  omitted?: 'long' | 'binary';
  chars: number;
  lines: number;
}

/** How much of a value each view shows: a listing keeps to one short line, one map shows files. */
export const listingLimits = { maxChars: 120, multiLine: false };
export const singleMapLimits = { maxChars: 4000, multiLine: true };

/** The keys of a ConfigMap, sorted, with values shown only when short enough and not secret-like. */
export function configMapEntries(
  configMap: V1ConfigMap,
  limits: { maxChars: number; multiLine: boolean },
): ConfigMapEntry[] {
  const entries = Object.entries(configMap.data ?? {}).map(([key, value]): ConfigMapEntry => {
    const text = value.replace(/\n$/, '');
    const size = { chars: value.length, lines: text === '' ? 0 : text.split('\n').length };
    const multiLine = size.lines > 1;
    if (looksSecretName(key) || (!multiLine && isSecretEntry(key, text))) {
      return { key, redacted: true, value: redacted, ...size };
    }
    if (value.length > limits.maxChars || (multiLine && !limits.multiLine)) {
      return { key, omitted: 'long', ...size };
    }
    return { key, value: multiLine ? maskSecretLines(text) : text, ...size };
  });
  const binary = Object.entries(configMap.binaryData ?? {}).map(([key, value]): ConfigMapEntry => ({
    key,
    omitted: 'binary',
    chars: value.length,
    lines: 0,
  }));
  return [...entries, ...binary].sort((a, b) => a.key.localeCompare(b.key));
}

/** Indented lines for the entries; a multi-line value is shown under its key, numbered like a file. */
export function renderEntries(entries: readonly ConfigMapEntry[], mapName: string): string[] {
  return entries.flatMap((entry) => {
    if (entry.omitted === 'binary') return [`  ${entry.key}: binary data (${entry.chars} base64 chars)`];
    if (entry.omitted === 'long') {
      return [
        `  ${entry.key}: ${entry.chars} chars, ${entry.lines} line(s) — not shown; call list_config_maps with ` +
          `name=${mapName} to read it`,
      ];
    }
    if (entry.lines > 1)
      return [`  ${entry.key}:`, ...(entry.value ?? '').split('\n').map((line) => `    | ${line}`)];
    return [`  ${entry.key}=${entry.value ?? ''}`];
  });
}
