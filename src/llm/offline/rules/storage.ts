import type { EngineContext } from '../../engine.js';
import { parseQuantity } from '../../../util/quantity.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, list, nameOf, str, stringMap, strings, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import { times, type Rule, type Verdict } from './verdict.js';

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

/** The claims a pod mounts, from its spec; for a StatefulSet pod, also the events' claims named after it. */
async function claimsOf(ctx: EngineContext, facts: ServiceFacts, pod: string): Promise<string[]> {
  const object = await readObject(ctx, 'Pod', pod, facts.namespace);
  const fromSpec = object
    ? list(at(object, 'spec', 'volumes'))
        .map((v) => str(at(v, 'persistentVolumeClaim', 'claimName')))
        .filter((c): c is string => Boolean(c))
    : [];
  // StatefulSet claims are named <template>-<pod>: their events lead to them when the pod spec cannot be read.
  const fromEvents = facts.events
    .filter((e) => e.object?.startsWith('PersistentVolumeClaim/') && e.object.endsWith(`-${pod}`))
    .map((e) => e.object?.split('/')[1] ?? '');
  const fromMessage = facts.related
    .map((e) => e.message?.match(/persistentvolumeclaim "([^"]+)" not found/)?.[1])
    .filter((c): c is string => Boolean(c));
  return [...new Set([...fromSpec, ...fromEvents, ...fromMessage].filter(Boolean))];
}

const accessModes = (o: unknown, ...path: string[]) => strings(at(o, ...path, 'accessModes'));
const storageOf = (pv: KubeObject) => str(at(pv, 'spec', 'capacity', 'storage'));

/** Why no PersistentVolume fits a claim: class, access modes or size, from the closest candidate. */
function pvMismatch(claim: KubeObject, pvs: KubeObject[]): string | null {
  const wantedClass = str(at(claim, 'spec', 'storageClassName')) ?? '';
  const wantedModes = accessModes(claim, 'spec');
  const wantedSize = str(at(claim, 'spec', 'resources', 'requests', 'storage'));
  const available = pvs.filter((pv) => (str(at(pv, 'status', 'phase')) ?? 'Available') === 'Available');
  if (!available.length)
    return pvs.length
      ? `all ${pvs.length} PersistentVolume(s) are already bound`
      : 'no PersistentVolume exists';
  const reasons = available.map((pv) => {
    const why: string[] = [];
    const pvClass = str(at(pv, 'spec', 'storageClassName')) ?? '';
    if (pvClass !== wantedClass) why.push(`StorageClass "${pvClass}" ≠ "${wantedClass}"`);
    const modes = accessModes(pv, 'spec');
    const lacking = wantedModes.filter((m) => !modes.includes(m));
    if (lacking.length)
      why.push(`offers ${modes.join(', ') || 'no access modes'}, not ${lacking.join(', ')}`);
    const size = parseQuantity(storageOf(pv));
    const wanted = parseQuantity(wantedSize);
    if (size !== undefined && wanted !== undefined && size < wanted)
      why.push(`holds ${storageOf(pv)}, less than ${wantedSize}`);
    return { pv: nameOf(pv), why };
  });
  const fits = reasons.find((r) => r.why.length === 0);
  if (fits) return null;
  const closest = reasons.sort((a, b) => a.why.length - b.why.length)[0];
  return closest ? `the closest PersistentVolume ${closest.pv} ${closest.why.join(' and ')}` : null;
}

interface ClaimTrouble {
  claim: string;
  clues?: string[];
  summary: string;
  statement: string;
  fix: string;
}

/** Why a claim stays Pending: a missing StorageClass, no default class, no matching PV, a provisioner error. */
async function claimTrouble(
  ctx: EngineContext,
  facts: ServiceFacts,
  name: string,
): Promise<ClaimTrouble | null> {
  const claim = await readObject(ctx, 'PersistentVolumeClaim', name, facts.namespace);
  const events = facts.events.filter(
    (e) => e.object === `PersistentVolumeClaim/${name}` && e.type === 'Warning',
  );
  const event = events[0];
  if (claim === null)
    return {
      claim: name,
      summary: `PersistentVolumeClaim ${name} does not exist`,
      statement: `The pod mounts PersistentVolumeClaim ${name}, which does not exist in namespace ${facts.namespace}.`,
      fix: `Create PersistentVolumeClaim ${name} (or fix the claimName in the pod template).`,
    };
  if (claim && str(at(claim, 'status', 'phase')) === 'Bound') return null;
  const className = claim
    ? str(at(claim, 'spec', 'storageClassName'))
    : event?.message?.match(/storageclass\.storage\.k8s\.io "([^"]+)" not found/)?.[1];
  const size = claim ? str(at(claim, 'spec', 'resources', 'requests', 'storage')) : undefined;
  const modes = claim ? accessModes(claim, 'spec') : [];
  const asks = `${size ?? '?'} ${modes.join(', ') || ''}`.trim();
  const eventNote = event
    ? ` The claim's events say ${event.reason}: "${quote(event.message ?? '', 200)}".`
    : '';
  if (className) {
    const storageClass = await readObject(ctx, 'StorageClass', className, undefined, true);
    const classMissing =
      storageClass === null || /storageclass\.storage\.k8s\.io "[^"]+" not found/.test(event?.message ?? '');
    if (classMissing) {
      const classes = (await readObjects(ctx, 'StorageClass', { clusterScoped: true })) ?? [];
      const names = classes.map(
        (c) =>
          `${nameOf(c)}${stringMap(at(c, 'metadata', 'annotations'))[DEFAULT_CLASS] === 'true' ? ' (default)' : ''}`,
      );
      return {
        claim: name,
        clues: [className],
        summary: `PersistentVolumeClaim ${name} stays Pending: its StorageClass "${className}" does not exist`,
        statement: `PersistentVolumeClaim ${name} (${asks}) asks for StorageClass "${className}", which does not exist, so nothing provisions a volume for it${names.length ? `; the cluster has ${names.join(', ')}` : ''}.${eventNote}`,
        fix: `Set storageClassName of ${name} (or of the volumeClaimTemplate) to an existing class${names[0] ? ` such as ${names[0].replace(' (default)', '')}` : ''}, or create StorageClass ${className}; a claim's class cannot be changed in place, so delete and recreate the claim.`,
      };
    }
  }
  const pvs =
    claim && (!className || !storageClassProvisions(className, facts))
      ? await readObjects(ctx, 'PersistentVolume', { clusterScoped: true })
      : null;
  const mismatch = claim && pvs ? pvMismatch(claim, pvs) : null;
  if (mismatch || event) {
    return {
      claim: name,
      summary: `PersistentVolumeClaim ${name} stays Pending${mismatch ? `: ${mismatch}` : ''}`,
      statement: `PersistentVolumeClaim ${name} (${asks}${className ? `, StorageClass ${className}` : ', no StorageClass'}) is not bound${mismatch ? `: ${mismatch}` : ''}.${eventNote}`,
      fix: mismatch
        ? `Make a PersistentVolume match the claim (class, access modes, size) or change the claim to what the volumes offer${className ? '' : ', or give it a StorageClass that provisions volumes'}.`
        : `Fix what the provisioner reports for ${name} (above), then let the claim bind.`,
    };
  }
  return null;
}

/** A StorageClass that provisions dynamically does not need a matching PV; ProvisioningFailed events say when it fails. */
function storageClassProvisions(className: string, facts: ServiceFacts): boolean {
  return !facts.events.some((e) => /FailedBinding/.test(e.reason ?? '') && e.message?.includes(className));
}

/** Pods that cannot start because a PersistentVolumeClaim they mount is not bound. */
export const volumeClaimRule: Rule = async (ctx, facts) => {
  const pending = facts.listing.pods.filter((p) => p.phase === 'Pending');
  if (!pending.length) return null;
  const scheduling = facts.related.find(
    (e) =>
      e.reason === 'FailedScheduling' &&
      /PersistentVolumeClaim|persistentvolumeclaim|volume node affinity/i.test(e.message ?? ''),
  );
  const claimEvents = facts.events.filter(
    (e) =>
      e.object?.startsWith('PersistentVolumeClaim/') &&
      e.type === 'Warning' &&
      pending.some((p) => e.object?.endsWith(`-${p.name}`)),
  );
  if (!scheduling && !claimEvents.length) return null;
  const pod = pending[0]?.name ?? '';
  for (const name of (await claimsOf(ctx, facts, pod)).slice(0, 4)) {
    const trouble = await claimTrouble(ctx, facts, name);
    if (!trouble) continue;
    if (scheduling)
      ctx.casebook.evidence.unshift({
        source: 'kubernetes',
        detail: `FailedScheduling: ${quote(scheduling.message ?? '', 260)}${scheduling.count && scheduling.count > 1 ? ` (×${scheduling.count})` : ''}`,
        ref: scheduling.object,
      });
    ctx.casebook.evidence.splice(scheduling ? 1 : 0, 0, {
      source: 'kubernetes',
      detail: trouble.statement,
      ref: `persistentvolumeclaim/${trouble.claim}`,
    });
    return {
      status: 'diagnosed',
      summary: `${facts.service}'s pod ${pod} is Pending: ${trouble.summary}.`,
      statement: `${pending.length} pod(s) of ${facts.service} cannot be scheduled because their volume is not bound. ${trouble.statement}`,
      confidence: 'high',
      fix: trouble.fix,
      clues: trouble.clues,
      objects: facts.listing.workload ? [facts.listing.workload] : [],
    };
  }
  return null;
};

const DISK_FULL =
  /no space left on device|ENOSPC|disk quota exceeded|could not extend file|disk is full|DiskFull/i;

interface Mount {
  path: string;
  volume: string;
  claim?: string;
  emptyDir?: { sizeLimit?: string };
}

async function mountsOf(ctx: EngineContext, facts: ServiceFacts, pod: string): Promise<Mount[]> {
  const object = await readObject(ctx, 'Pod', pod, facts.namespace);
  if (!object) return [];
  const volumes = list(at(object, 'spec', 'volumes'));
  return [...list(at(object, 'spec', 'containers')), ...list(at(object, 'spec', 'initContainers'))]
    .flatMap((c) => list(c.volumeMounts))
    .map((m) => {
      const volume = volumes.find((v) => v.name === m.name);
      const emptyDir = at(volume, 'emptyDir');
      return {
        path: str(m.mountPath) ?? '',
        volume: str(m.name) ?? '',
        ...(str(at(volume, 'persistentVolumeClaim', 'claimName'))
          ? { claim: str(at(volume, 'persistentVolumeClaim', 'claimName')) }
          : {}),
        ...(emptyDir ? { emptyDir: { sizeLimit: str(at(emptyDir, 'sizeLimit')) } } : {}),
      };
    })
    .filter((m) => m.path);
}

/** A write that fails for lack of space, tied to the volume it writes to, its claim and its size. */
export const diskFullRule: Rule = async (ctx, facts) => {
  const hit = facts.logs
    .flatMap((l) =>
      l.analysis.signatures
        .filter((s) => DISK_FULL.test(`${s.message} ${s.sample}`))
        .map((s) => ({ s, log: l })),
    )
    .sort((a, b) => b.s.count - a.s.count)[0];
  if (!hit) return null;
  const line = hit.s.sample;
  const path = line.match(/(\/[\w.@+-]+(?:\/[\w.@+-]+)*)/)?.[1];
  const mounts = await mountsOf(ctx, facts, hit.log.pod);
  const byPath = path
    ? mounts
        .filter((m) => path === m.path || path.startsWith(`${m.path.replace(/\/$/, '')}/`))
        .sort((a, b) => b.path.length - a.path.length)[0]
    : undefined;
  const claimMounts = mounts.filter((m) => m.claim);
  const mount = byPath ?? (claimMounts.length === 1 ? claimMounts[0] : undefined);
  ctx.casebook.evidence.unshift({
    source: 'logs',
    detail: `${quote(line, 300)} (${times(hit.s.count)})`,
    ref: `pod/${hit.log.pod}${hit.log.previous ? ' (previous container)' : ''}`,
  });
  const crash = facts.problems.find((p) => p.pod === hit.log.pod);
  let where = path ? `${path}` : 'its data directory';
  let detail = '';
  let fix = `Free space on the volume ${where} is written to (retention, compaction, old files) or give it more.`;
  let confidence: Verdict['confidence'] = 'medium';
  if (mount?.claim) {
    const claim = await readObject(ctx, 'PersistentVolumeClaim', mount.claim, facts.namespace);
    const size = claim
      ? (str(at(claim, 'status', 'capacity', 'storage')) ??
        str(at(claim, 'spec', 'resources', 'requests', 'storage')))
      : undefined;
    const className = claim ? str(at(claim, 'spec', 'storageClassName')) : undefined;
    const storageClass = className
      ? await readObject(ctx, 'StorageClass', className, undefined, true)
      : undefined;
    const expandable = storageClass ? at(storageClass, 'allowVolumeExpansion') === true : undefined;
    where = `${mount.path} (volume ${mount.volume}, PersistentVolumeClaim ${mount.claim}${size ? `, ${size}` : ''}${className ? `, StorageClass ${className}` : ''})`;
    detail = ` The volume is full: ${mount.path} is PersistentVolumeClaim ${mount.claim}${size ? ` of only ${size}` : ''}.`;
    confidence = 'high';
    ctx.casebook.evidence.splice(1, 0, {
      source: 'kubernetes',
      detail: `${mount.path} is mounted from PersistentVolumeClaim ${mount.claim}${size ? ` (${size}${className ? `, StorageClass ${className}` : ''})` : ''}`,
      ref: `persistentvolumeclaim/${mount.claim}`,
    });
    const bigger = parseQuantity(size);
    const next = bigger ? `${Math.max(2, Math.round((bigger * 2) / 2 ** 30))}Gi` : 'a larger size';
    fix =
      expandable === false
        ? `StorageClass ${className} does not allow volume expansion: move the data to a larger claim (or enable allowVolumeExpansion on the class first), and free space now (retention, cleanup) so ${facts.service} can start.`
        : `Expand PersistentVolumeClaim ${mount.claim} (kubectl patch pvc ${mount.claim} -n ${facts.namespace} -p '{"spec":{"resources":{"requests":{"storage":"${next}"}}}}')${expandable === true ? '' : ' if its StorageClass allows volume expansion'}${facts.listing.workload?.kind === 'StatefulSet' ? ', and raise the size in the volumeClaimTemplate for new replicas' : ''}; then set retention so it does not fill again.`;
  } else if (mount?.emptyDir) {
    where = `${mount.path} (emptyDir volume ${mount.volume}${mount.emptyDir.sizeLimit ? `, sizeLimit ${mount.emptyDir.sizeLimit}` : ''})`;
    detail = ` ${mount.path} is an emptyDir${mount.emptyDir.sizeLimit ? ` limited to ${mount.emptyDir.sizeLimit}` : " on the node's disk"}.`;
    fix = `Raise the emptyDir sizeLimit of ${mount.volume} or write less there; use a PersistentVolumeClaim for data that grows.`;
  }
  return {
    status: 'diagnosed',
    summary: `${facts.service} ${crash ? `is failing (${crash.reason}) because` : 'fails because'} its volume is full: writes to ${where} fail with "no space left on device".`,
    statement: `Writes to ${where} fail: "${quote(line, 220)}" (${times(hit.s.count)}).${detail}${crash ? ` ${crash.detail}.` : ''}`,
    confidence,
    fix,
  };
};
