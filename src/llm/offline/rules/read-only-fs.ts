import { readObject } from '../cluster-read.js';
import { at, list, str, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import { loggedEvidence, loggedMatches } from './logged.js';
import { times, type Rule } from './verdict.js';

/** The kernel's EROFS (errno 30), as runtimes print it. */
const EROFS = /\bEROFS\b|read-only file ?system|errno 30\b|\[Errno 30\]/i;

/** The path a write failed on: quoted after `open`/`mkdir`…, else the first absolute path in the line. */
function pathIn(line: string): string | undefined {
  return (
    line.match(
      /(?:open|mkdir|mkdtemp|write|unlink|rename|stat|access|create|scandir)\w*\s*['"]?(\/[^\s'",:)]+)/i,
    )?.[1] ??
    line.match(/['"](\/[^'"\s]+)['"]/)?.[1] ??
    line.match(/(?:^|\s)(\/(?:[\w.@-]+\/)*[\w.@-]+)/)?.[1]
  );
}

interface Mount {
  path: string;
  volume: string;
  readOnly: boolean;
  /** ConfigMap, Secret, projected and downward API volumes are always mounted read-only. */
  source?: string;
}

function mountsOf(pod: KubeObject | null | undefined, container: KubeObject | undefined): Mount[] {
  const volumes = list(at(pod, 'spec', 'volumes'));
  return list(at(container, 'volumeMounts')).map((m) => {
    const volume = volumes.find((v) => v.name === m.name);
    const source = ['configMap', 'secret', 'projected', 'downwardAPI'].find(
      (k) => at(volume, k) !== undefined,
    );
    return {
      path: str(m.mountPath) ?? '',
      volume: str(m.name) ?? '',
      readOnly: m.readOnly === true || source !== undefined,
      ...(source ? { source } : {}),
    };
  });
}

/** The deepest mount a path lies under. */
function mountOf(path: string, mounts: readonly Mount[]): Mount | undefined {
  return mounts
    .filter((m) => m.path && (path === m.path || path.startsWith(`${m.path.replace(/\/$/, '')}/`)))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

const parent = (path: string) => path.replace(/\/[^/]*$/, '') || '/';

/**
 * The application writes where the container's filesystem does not allow it (EROFS): under a
 * read-only root filesystem (securityContext.readOnlyRootFilesystem) with no writable volume over
 * that directory, or into a volume mounted read-only (a ConfigMap or Secret is always read-only).
 */
export const readOnlyFsRule: Rule = async (ctx, facts) => {
  const { hits, total, top } = loggedMatches(facts, EROFS, (s) => s.kind !== 'warning' || s.count >= 3);
  if (!top) return null;
  const path = pathIn(top.s.sample) ?? pathIn(top.s.message);
  const pod = await readObject(ctx, 'Pod', top.pod, facts.namespace);
  const containers = list(at(pod, 'spec', 'containers'));
  const container =
    containers.find((c) => at(c, 'securityContext', 'readOnlyRootFilesystem') === true) ?? containers[0];
  const name = str(container?.name) ?? 'the container';
  const rootReadOnly = at(container, 'securityContext', 'readOnlyRootFilesystem') === true;
  const mount = path ? mountOf(path, mountsOf(pod, container)) : undefined;
  const pods = new Set(hits.map((h) => h.pod)).size;
  ctx.casebook.evidence.push(loggedEvidence(top));
  const where = path ? ` (${path})` : '';
  const dir = path ? parent(path) : undefined;
  if (mount?.readOnly) {
    return {
      status: 'diagnosed',
      summary: `${facts.service} cannot write${where}: that path is on volume ${mount.volume}, mounted read-only at ${mount.path}${mount.source ? ` (a ${mount.source} volume is always read-only)` : ''} — EROFS ${times(total)} in ${pods} pod(s).`,
      statement: `${facts.service} fails writing to a read-only file system: "${quote(top.s.sample, 220)}". ${path ?? 'The path'} lies under ${mount.path}, where container ${name} mounts volume ${mount.volume} ${mount.source ? `from a ${mount.source}, which Kubernetes always mounts read-only` : 'with readOnly: true'}.`,
      confidence: 'high',
      fix: `Write to a writable volume instead (an emptyDir mounted at a separate path), or mount ${mount.volume} writable if that is intended; ${mount.source ? `a ${mount.source} cannot be written from the pod` : 'drop readOnly: true on that mount'}.`,
      clues: [mount.path, 'readOnly'],
      objects: facts.listing.workload ? [facts.listing.workload] : [],
    };
  }
  if (!rootReadOnly) return null;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `Container ${name} of pod ${top.pod}: securityContext.readOnlyRootFilesystem: true; volume mounts: ${
      mountsOf(pod, container)
        .map((m) => `${m.path} (${m.volume}${m.readOnly ? ', read-only' : ''})`)
        .join(', ') || 'none'
    }`,
    ref: `pod/${top.pod}`,
  });
  return {
    status: 'diagnosed',
    summary: `${facts.service} cannot write${where}: container ${name} runs with readOnlyRootFilesystem: true and no writable volume covers ${dir ?? 'the directory it writes to'} — EROFS ${times(total)} in ${pods} pod(s).`,
    statement: `${facts.service} fails writing to a read-only file system: "${quote(top.s.sample, 220)}". Container ${name} sets securityContext.readOnlyRootFilesystem: true, so everything outside its volume mounts is read-only, and ${dir ?? 'the directory it writes to'} is not under any mounted volume.`,
    confidence: 'high',
    fix: `Keep the read-only root filesystem and mount a writable emptyDir at ${dir ?? 'the directory the application writes to'} (volumeMounts + volumes: emptyDir, with a sizeLimit), or point the application's temp/upload directory at an existing writable mount.`,
    clues: ['readOnlyRootFilesystem', ...(dir ? [dir] : [])],
    objects: facts.listing.workload ? [facts.listing.workload] : [],
  };
};
