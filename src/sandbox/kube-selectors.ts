import type { KubeObject } from './scenario-types.js';
import { badRequest } from './kube-status.js';

/** A compiled selector: true when the object matches. */
export type ObjectPredicate = (object: KubeObject) => boolean;

/** Split on commas outside parentheses: `a in (x,y),b` → `['a in (x,y)', 'b']`. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

const keyPattern = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const setPattern = new RegExp(`^(${keyPattern})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const comparePattern = new RegExp(`^(${keyPattern})\\s*(==|=|!=|>|<)\\s*([-A-Za-z0-9_.]*)$`);
const existsPattern = new RegExp(`^(!)?\\s*(${keyPattern})$`);

type LabelTest = (labels: Record<string, string>) => boolean;

function compileLabelRequirement(requirement: string, whole: string): LabelTest {
  const set = setPattern.exec(requirement);
  if (set) {
    const [, key = '', operator, list = ''] = set;
    const values = new Set(list.split(',').map((value) => value.trim()));
    return operator === 'in'
      ? (labels) => key in labels && values.has(labels[key] ?? '')
      : (labels) => !(key in labels) || !values.has(labels[key] ?? '');
  }
  const compare = comparePattern.exec(requirement);
  if (compare) {
    const [, key = '', operator, value = ''] = compare;
    if (operator === '!=') return (labels) => labels[key] !== value;
    if (operator === '>' || operator === '<') {
      const bound = Number(value);
      if (!Number.isInteger(bound))
        throw badRequest(
          `unable to parse requirement: for '${operator}', value must be an integer: ${whole}`,
        );
      return (labels) => {
        const actual = Number(labels[key]);
        return (
          key in labels && Number.isInteger(actual) && (operator === '>' ? actual > bound : actual < bound)
        );
      };
    }
    return (labels) => labels[key] === value;
  }
  const exists = existsPattern.exec(requirement);
  if (exists) {
    const [, not, key = ''] = exists;
    return not ? (labels) => !(key in labels) : (labels) => key in labels;
  }
  throw badRequest(`unable to parse requirement: invalid label selector: "${whole}"`);
}

/**
 * Compile a `labelSelector` (`app=cart`, `tier!=web`, `env in (a,b)`, `env notin (a)`, `key`,
 * `!key`); a malformed one is a 400 like the API server's.
 */
export function compileLabelSelector(text: string | null): ObjectPredicate {
  if (text === null || text.trim() === '') return () => true;
  const tests = splitRequirements(text).map((requirement) => compileLabelRequirement(requirement, text));
  return (object) => {
    const labels = object.metadata.labels ?? {};
    return tests.every((test) => test(labels));
  };
}

/** The value of a dotted field path as a field selector compares it (always a string). */
export function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return '';
    current = (current as Record<string, unknown>)[key];
  }
  if (current === undefined || current === null) return '';
  return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

/** Undo the `\,` `\=` `\\` escapes that field selector values may carry. */
function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/**
 * Compile a `fieldSelector` (`metadata.name=x`, `status.phase!=Running`,
 * `involvedObject.name=x,involvedObject.kind=Pod`, `spec.nodeName=n`, `type=Warning`).
 */
export function compileFieldSelector(text: string | null): ObjectPredicate {
  if (text === null || text.trim() === '') return () => true;
  const tests = text
    .split(/(?<!\\),/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): ObjectPredicate => {
      const match = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
      if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
      const [, path = '', operator, raw = ''] = match;
      const value = unescapeValue(raw);
      return operator === '!='
        ? (object) => fieldValue(object, path) !== value
        : (object) => fieldValue(object, path) === value;
    });
  return (object) => tests.every((test) => test(object));
}
