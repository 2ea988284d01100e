import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import { at, list, nameOf, str } from '../k8s-object.js';
import { closestNames, kubectlRef } from '../names.js';
import { quote } from '../quote.js';
import { podController, type ServiceFacts } from '../facts.js';
import type { EventInfo } from '../tool-data.js';
import { PERMISSION_DENIED, permissionChange } from './permission-change.js';
import { times, type Rule, type Verdict } from './verdict.js';

/** A ConfigMap or Secret a pod refers to and the kubelet could not find (or a key missing in it). */
export interface MissingRef {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key?: string;
  volume?: string;
}

/** The references a kubelet message says are missing, in the wordings kubelets use. */
export function missingRefs(message: string): MissingRef[] {
  const refs: MissingRef[] = [];
  const volume = message.match(/for volume "([^"]+)"/)?.[1];
  for (const m of message.matchAll(/\b(configmap|secret)s? "([^"]+)" not found/gi)) {
    refs.push({
      kind: (m[1] as string).toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap',
      name: m[2] as string,
      ...(volume ? { volume } : {}),
    });
  }
  for (const m of message.matchAll(
    /couldn't find key (\S+) in (ConfigMap|Secret) (?:[\w.-]+\/)?([\w.-]+)/gi,
  )) {
    refs.push({
      kind: (m[2] as string).toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap',
      name: m[3] as string,
      key: m[1] as string,
    });
  }
  return refs;
}

/** What the cluster holds instead: whether the object exists, its keys, and the names closest to it. */
async function lookAround(
  ctx: EngineContext,
  ref: MissingRef,
  namespace: string,
): Promise<{ exists?: boolean; keys?: string[]; closest: string[] }> {
  // Secrets are never read; their absence rests on the kubelet's word.
  if (ref.kind === 'Secret') return { closest: [] };
  const object = await readObject(ctx, 'ConfigMap', ref.name, namespace);
  const all = object === null ? await readObjects(ctx, 'ConfigMap', { namespace }) : null;
  const keys = object
    ? Object.keys({ ...(at(object, 'data') as object), ...(at(object, 'binaryData') as object) })
    : undefined;
  return {
    ...(object === undefined ? {} : { exists: object !== null }),
    ...(keys ? { keys } : {}),
    closest: all ? closestNames(ref.name, all.map(nameOf)) : [],
  };
}

function describeRef(ref: MissingRef): string {
  return ref.key
    ? `key ${ref.key} of ${ref.kind} ${ref.name}`
    : `${ref.kind} ${ref.name}${ref.volume ? ` (volume "${ref.volume}")` : ''}`;
}

/**
 * A verdict for pods that cannot start because a ConfigMap or Secret they use is missing, or a key
 * in it. `how` says how the kubelet reported it (CreateContainerConfigError, FailedMount).
 */
export async function missingConfigVerdict(
  ctx: EngineContext,
  facts: ServiceFacts,
  ref: MissingRef,
  how: { signal: string; message: string; pod?: string; waiting: number },
): Promise<Verdict> {
  const around = await lookAround(ctx, ref, facts.namespace);
  const what = describeRef(ref);
  const failing = how.pod ? facts.listing.pods.find((p) => p.name === how.pod) : undefined;
  const workload = (failing && podController(failing)) ?? facts.listing.workload;
  const target = workload ? `${workload.kind} ${workload.name}` : facts.service;
  let found = '';
  if (ref.key && around.keys)
    found = ` ConfigMap ${ref.name} exists with keys: ${around.keys.slice(0, 8).join(', ') || '(none)'}.`;
  else if (around.exists === false)
    found = ` No ConfigMap ${ref.name} exists in namespace ${facts.namespace}${around.closest.length ? ` (closest: ${around.closest.join(', ')})` : ''}.`;
  else if (around.exists === true && !ref.key)
    found = ` ConfigMap ${ref.name} exists now: the pods may be waiting for their next retry.`;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `${how.signal}: ${quote(how.message, 300)}`,
    ref: how.pod ? `pod/${how.pod}` : undefined,
  });
  const restore = ref.key
    ? `Add the key ${ref.key} to ${ref.kind} ${ref.name}, or correct the key the pod spec of ${target} refers to`
    : `Create ${ref.kind} ${ref.name} in namespace ${facts.namespace} (restore it from the manifests or its previous version)${around.closest[0] ? `, or point ${target} at the one that exists (${around.closest[0]})` : ''}`;
  const mark = ref.volume ? ' mark the volume optional or' : '';
  return {
    status: 'diagnosed',
    summary: `${facts.service} cannot start its pods (${how.signal}): the ${what} they use does not exist${how.waiting > 1 ? `; ${how.waiting} pods are stuck` : ''}.`,
    statement: `The pods of ${target} reference ${what}, which is missing in namespace ${facts.namespace}, so the kubelet cannot ${ref.volume ? 'mount the volume and the containers stay in ContainerCreating' : 'build the container environment (CreateContainerConfigError)'}: "${quote(how.message, 220)}".${found}`,
    confidence: around.exists === true && !ref.key ? 'medium' : 'high',
    clues: [ref.name, ...(ref.key ? [ref.key] : [])],
    rollback: true,
    objects: [
      ...(ref.kind === 'ConfigMap' && !ref.key ? [{ kind: 'ConfigMap', name: ref.name }] : []),
      ...(workload ? [workload] : []),
    ],
    fix: `${restore}; the waiting pods start on their own once it exists (or run kubectl rollout restart ${kubectlRef(workload?.kind, workload?.name ?? facts.service)}). If the reference is wrong rather than the object missing,${mark} fix the reference in the pod template.`,
  };
}

const MISSING_CONFIG = [
  /KeyError: '([A-Za-z_][A-Za-z0-9_]*)'/,
  /(?:environment variable|env var|config(?:uration)? key|setting)\s+['"`]?([A-Za-z_][A-Za-z0-9_.]{2,})['"`]?\s+(?:is\s+)?(?:not set|missing|required|undefined|empty|not defined)/i,
  /missing (?:required )?(?:environment variable|env(?:ironment)? var(?:iable)?|config(?:uration)?(?: key| value)?|setting)s?[:= ]+['"`]?([A-Za-z_][A-Za-z0-9_.]{2,})/i,
  /\b([A-Z][A-Z0-9_]{2,})\b (?:must be set|is required|is not set|not set)/,
];

function firstEvent(events: EventInfo[], test: (e: EventInfo) => boolean): EventInfo | undefined {
  return events.find(test);
}

/** A container that cannot start for want of configuration: a missing ConfigMap/Secret, key or variable. */
export const configRule: Rule = async (ctx, facts) => {
  const configErrors = facts.listing.pods.flatMap((p) =>
    p.containers.filter((c) => c.reason === 'CreateContainerConfigError').map((c) => ({ pod: p.name, c })),
  );
  const configError = configErrors[0];
  if (configError) {
    const event = firstEvent(
      facts.related,
      (e) => e.type === 'Warning' && /configmap|secret|key|not found/i.test(e.message ?? ''),
    );
    const message =
      configError.c.message ?? event?.message ?? 'configuration referenced by the pod is missing';
    const ref = missingRefs(message)[0] ?? (event ? missingRefs(event.message ?? '')[0] : undefined);
    const waiting = new Set(configErrors.map((e) => e.pod)).size;
    if (ref)
      return missingConfigVerdict(ctx, facts, ref, {
        signal: 'CreateContainerConfigError',
        message,
        pod: configError.pod,
        waiting,
      });
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail: `CreateContainerConfigError: ${quote(message, 300)}`,
      ref: `pod/${configError.pod}`,
    });
    return {
      status: 'diagnosed',
      summary: `${facts.service} cannot start its container: ${quote(message, 200)}.`,
      statement: `CreateContainerConfigError — ${message}.`,
      confidence: 'high',
      fix: 'Fix what the message names in the pod template (a missing ConfigMap/Secret or key, or a securityContext the image cannot satisfy), then restart the rollout.',
    };
  }
  const crashing = facts.problems.some((p) => /CrashLoopBackOff|Error|Restarted/.test(p.reason));
  if (!crashing) return null;
  for (const log of [...facts.logs].sort((a, b) => Number(b.previous) - Number(a.previous))) {
    for (const line of log.text.split('\n')) {
      for (const pattern of MISSING_CONFIG) {
        const m = line.match(pattern);
        if (!m) continue;
        const key = m[1] as string;
        const crash = facts.problems.find((p) => p.pod === log.pod) ?? facts.problems[0];
        ctx.casebook.evidence.push({
          source: 'logs',
          detail: quote(line, 300),
          ref: `pod/${log.pod}${log.previous ? ' (previous container)' : ''}`,
        });
        if (crash)
          ctx.casebook.evidence.push({ source: 'kubernetes', detail: crash.detail, ref: `pod/${crash.pod}` });
        return {
          status: 'diagnosed',
          summary: `${facts.service} crashes at start-up (${crash?.reason ?? 'restarting'}): the required configuration ${key} is missing.`,
          statement: `The container exits at start because the configuration ${key} is missing — "${quote(line, 200)}"${crash ? `; ${crash.detail}` : ''}.`,
          confidence: 'high',
          fix: `Provide ${key} to the container again (the env entry or ConfigMap key it reads), or restore the manifest change that removed or renamed it.`,
          rollback: true,
          clues: [key],
        };
      }
    }
  }
  return null;
};

/** Pods stuck in ContainerCreating because a volume cannot be mounted (FailedMount, FailedAttachVolume). */
export const mountRule: Rule = async (ctx, facts) => {
  const failed = facts.related.filter(
    (e) => e.type === 'Warning' && /^(FailedMount|FailedAttachVolume)$/.test(e.reason ?? ''),
  );
  if (!failed.length) return null;
  const stuck = facts.listing.pods.filter((p) =>
    p.containers.some(
      (c) =>
        !c.init &&
        c.state === 'waiting' &&
        /ContainerCreating|PodInitializing|NotCreated/.test(c.reason ?? ''),
    ),
  );
  if (!stuck.length && !facts.listing.pods.every((p) => p.phase === 'Pending')) return null;
  const withRef = failed.find((e) => missingRefs(e.message ?? '').length > 0);
  const count = failed.reduce((n, e) => n + (e.count ?? 1), 0);
  if (withRef) {
    const ref = missingRefs(withRef.message ?? '')[0] as MissingRef;
    return missingConfigVerdict(ctx, facts, ref, {
      signal: `${withRef.reason} (${times(count)})`,
      message: withRef.message ?? '',
      pod: withRef.object?.split('/').at(-1),
      waiting: stuck.length,
    });
  }
  // The attach error is the mechanism; the mount timeout after it is only its symptom.
  const first = failed.find((e) => /Multi-Attach/i.test(e.message ?? '')) ?? (failed[0] as EventInfo);
  const timeout = failed.find(
    (e) => e !== first && /timed out|unable to attach or mount/i.test(e.message ?? ''),
  );
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `${first.reason}: ${quote(first.message ?? '', 300)} (${times(count)})`,
    ref: first.object,
  });
  const multiAttach = /Multi-Attach/i.test(first.message ?? '');
  const volume = first.message?.match(/for volume "([^"]+)"/)?.[1];
  const holders = first.message?.match(/already used by pod\(s\) ([\w.,\s-]+?)(?:\s*$|\.)/)?.[1]?.trim();
  const rolling = facts.listing.workload?.kind === 'Deployment';
  // The storage driver's cloud identity was refused: the permission change behind it is the cause.
  const denied = !multiAttach && PERMISSION_DENIED.test(first.message ?? '');
  const grant = denied
    ? await permissionChange(ctx, ['attach', 'volume', 'csi', 'ebs', 'disk', 'storage'])
    : null;
  if (denied)
    return {
      status: 'diagnosed',
      summary: `${facts.service}'s pods are stuck in ContainerCreating: the storage driver is not allowed to ${first.reason === 'FailedAttachVolume' ? 'attach' : 'mount'} the volume — the cloud API refuses its identity.`,
      statement: `${first.reason}: "${quote(first.message ?? '', 260)}" (${times(count)}). The volume driver (its CSI controller) calls the cloud API with its own identity, and that identity lacks the permission for this volume.${grant ? ` ${grant.note}` : ''}`,
      confidence: 'high',
      notFromChange: Boolean(grant),
      fix: `Give the storage driver's role the permission back (for the action and the volume the message names)${grant ? `, reverting or fixing the policy change named above` : ''}; the pending pods attach on the next retry.`,
    };
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s pods are stuck in ContainerCreating: a volume cannot be ${first.reason === 'FailedAttachVolume' ? 'attached' : 'mounted'}.`,
    statement: `${first.reason}: "${quote(first.message ?? '', 240)}" (${times(count)}).${multiAttach ? ` Multi-Attach error: the ReadWriteOnce volume${volume ? ` ${volume}` : ''} is still attached to another node${holders ? ` for pod(s) ${holders}` : ''}, so the new pod cannot attach it until the old one lets go${timeout ? `; the mount then times out ("${quote(timeout.message ?? '', 120)}")` : ''}.${rolling ? ' A rolling update starts the new pod before the old one stops, which a ReadWriteOnce volume cannot serve.' : ''}` : ''}`,
    confidence: multiAttach ? 'high' : 'medium',
    ...(multiAttach && rolling ? { clues: ['RollingUpdate', 'strategy'] } : {}),
    fix: multiAttach
      ? `Let the old pod${holders ? ` (${holders})` : ''} terminate (or delete it) so the volume detaches${rolling ? ', and switch the Deployment to strategy type Recreate (a ReadWriteOnce volume serves one node at a time)' : ', or use the Recreate strategy for workloads with a ReadWriteOnce volume'}.`
      : 'Fix the volume the message names (its claim, driver or referenced object), then let the pod retry.',
  };
};

/** A path a log says is missing: `open /etc/x/y.json: no such file or directory`, `ENOENT … '/x'`, Python, Java. */
const MISSING_FILE = [
  /open (\/[^\s:'"]+): no such file or directory/i,
  /no such file or directory(?:, open)? '(\/[^']+)'/i,
  /No such file or directory: '(\/[^']+)'/,
  /FileNotFoundException: (\/\S+) \(No such file or directory\)/,
  /(?:cannot|could not|unable to) (?:open|read|load|find) (?:file )?["']?(\/[\w./-]+)["']?/i,
];

/**
 * A file the application opens under a ConfigMap or Secret volume that the object does not hold:
 * the key was renamed or never added, so the mounted directory lacks the file.
 */
export const mountedFileRule: Rule = async (ctx, facts) => {
  const hit = facts.logs
    .flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning').map((s) => ({ s, log: l })))
    .map((x) => ({
      ...x,
      path: MISSING_FILE.map((p) => `${x.s.message} ${x.s.sample}`.match(p)?.[1]).find(Boolean),
    }))
    .find((x) => x.path);
  if (!hit?.path) return null;
  const pod = await readObject(ctx, 'Pod', hit.log.pod, facts.namespace);
  if (!pod) return null;
  const volumes = list(at(pod, 'spec', 'volumes'));
  const mounts = list(at(pod, 'spec', 'containers')).flatMap((c) => list(c.volumeMounts));
  const mount = mounts
    .filter((m) => hit.path?.startsWith(`${String(m.mountPath ?? '').replace(/\/$/, '')}/`))
    .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
  const volume = mount ? volumes.find((v) => v.name === mount.name) : undefined;
  const configMap = str(at(volume, 'configMap', 'name'));
  if (!mount || !configMap) return null;
  const relative =
    (hit.path.slice(String(mount.mountPath).replace(/\/$/, '').length + 1) || '').split('/')[0] ?? '';
  const items = list(at(volume, 'configMap', 'items'));
  const object = await readObject(ctx, 'ConfigMap', configMap, facts.namespace);
  if (object === undefined) return null;
  const keys = object
    ? Object.keys({ ...(at(object, 'data') as object), ...(at(object, 'binaryData') as object) })
    : [];
  const files = items.length ? items.map((i) => str(i.path) ?? '') : keys;
  if (object && files.includes(relative)) return null;
  const crash = facts.problems.find((p) => p.pod === hit.log.pod);
  ctx.casebook.evidence.unshift(
    {
      source: 'logs',
      detail: `${quote(hit.s.sample, 280)} (${times(hit.s.count)})`,
      ref: `pod/${hit.log.pod}`,
    },
    {
      source: 'kubernetes',
      detail: `${String(mount.mountPath)} is volume ${String(mount.name)} from ConfigMap ${configMap}${object ? `, which holds ${files.join(', ') || 'no keys'}` : ', which does not exist'}`,
      ref: `configmap/${configMap}`,
    },
  );
  const workload = facts.listing.workload;
  return {
    status: 'diagnosed',
    summary: `${facts.service} ${crash ? `crashes (${crash.reason})` : 'fails'}: it reads ${hit.path}, but ConfigMap ${configMap} mounted at ${String(mount.mountPath)} ${object ? `has no key ${relative} (it holds ${files.join(', ') || 'nothing'})` : 'does not exist'}.`,
    statement: `${facts.service} cannot open ${hit.path} ("${quote(hit.s.sample, 200)}"): ${String(mount.mountPath)} is the ConfigMap ${configMap}, ${object ? `whose ${items.length ? 'items' : 'keys'} are ${files.join(', ') || 'empty'}, not ${relative}` : 'which does not exist'}.`,
    confidence: 'high',
    fix: `Make ConfigMap ${configMap} hold the file as ${relative} (rename the key back, or add an items entry mapping the new key to ${relative}), or point ${facts.service} at the new file name; then restart the pods.`,
    rollback: true,
    clues: [relative, ...files].filter((c) => c.length >= 4),
    objects: [{ kind: 'ConfigMap', name: configMap }, ...(workload ? [workload] : [])],
  };
};
