import { readObject } from '../cluster-read.js';
import { significantError } from '../health.js';
import { at, list, num, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import { times, type Rule } from './verdict.js';

/**
 * A StatefulSet whose pods still run the old template: status.updateRevision differs from
 * currentRevision and fewer pods are updated than exist, because the update strategy holds them
 * back — OnDelete (pods change only when deleted) or a rollingUpdate.partition that leaves the
 * ordinals below it alone (all of them once the partition reaches the replica count). Whatever the
 * new revision was meant to fix is still broken on the pods. A plain rolling update that is still
 * in progress (partition 0) is not this fault.
 */
export const stuckRevisionRule: Rule = async (ctx, facts) => {
  const workload = facts.listing.workload;
  if (workload?.kind !== 'StatefulSet') return null;
  const sts = await readObject(ctx, 'StatefulSet', workload.name, facts.namespace);
  if (!sts) return null;
  const current = str(at(sts, 'status', 'currentRevision'));
  const update = str(at(sts, 'status', 'updateRevision'));
  const replicas = num(at(sts, 'spec', 'replicas')) ?? 1;
  const updated = num(at(sts, 'status', 'updatedReplicas')) ?? 0;
  if (!current || !update || current === update || updated >= replicas) return null;
  const strategy = str(at(sts, 'spec', 'updateStrategy', 'type')) ?? 'RollingUpdate';
  const partition = num(at(sts, 'spec', 'updateStrategy', 'rollingUpdate', 'partition')) ?? 0;
  if (strategy !== 'OnDelete' && partition <= 0) return null;
  // A canary on the new revision that fails is a fault of that revision, not of the partition.
  const updatedFailing = facts.listing.pods.some(
    (p) =>
      p.labels['controller-revision-hash'] === update &&
      ((p.restarts ?? 0) > 0 || p.containers.some((c) => !c.init && c.ready === false)),
  );
  if (updatedFailing) return null;

  const template = list(at(sts, 'spec', 'template', 'spec', 'containers'));
  const changed = template.flatMap((c) => {
    const wanted = str(c.image);
    const running = [
      ...new Set(
        facts.listing.pods.flatMap((p) =>
          p.containers.filter((x) => x.name === str(c.name) && x.image).map((x) => x.image as string),
        ),
      ),
    ].filter((image) => image !== wanted);
    return wanted && running.length
      ? [`container ${str(c.name)} runs ${running.join(', ')}, the template has ${wanted}`]
      : [];
  });
  const why =
    strategy === 'OnDelete'
      ? `its updateStrategy is OnDelete, so the controller replaces a pod only when someone deletes it`
      : partition >= replicas
        ? `spec.updateStrategy.rollingUpdate.partition is ${partition}, at or above its ${replicas} replica(s), so no ordinal qualifies for the update (only pods with ordinal >= ${partition} are updated)`
        : `spec.updateStrategy.rollingUpdate.partition is ${partition}, so pods with ordinal below ${partition} keep the old revision`;
  const symptom = facts.logs
    .flatMap((l) =>
      l.analysis.signatures.filter((s) => significantError(s, l)).map((s) => ({ s, pod: l.pod })),
    )
    .sort((a, b) => b.s.count - a.s.count)[0];
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `StatefulSet ${workload.name}: currentRevision ${current}, updateRevision ${update}, updatedReplicas ${updated} of ${replicas}; updateStrategy ${strategy}${strategy === 'OnDelete' ? '' : ` partition ${partition}`}${changed.length ? `; ${changed.join('; ')}` : ''}`,
    ref: `statefulset/${workload.name}`,
  });
  if (symptom)
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `${quote(symptom.s.sample, 260)} (${times(symptom.s.count)})`,
      ref: `pod/${symptom.pod}`,
    });
  const patch =
    strategy === 'OnDelete'
      ? `delete the pods one at a time (kubectl delete pod ${workload.name}-<ordinal> -n ${facts.namespace}) so they come back on the new revision, or switch updateStrategy to RollingUpdate`
      : `set the partition to 0 (kubectl patch statefulset ${workload.name} -n ${facts.namespace} -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}') and remove the leftover partition from the manifest`;
  return {
    status: 'diagnosed',
    summary: `${workload.name}'s pods still run the old revision: ${updated} of ${replicas} updated to ${update}, because ${strategy === 'OnDelete' ? 'the update strategy is OnDelete' : `the rolling update's partition is ${partition}`}.`,
    statement: `StatefulSet ${workload.name} is stuck on its old revision: status.currentRevision is ${current} but updateRevision is ${update}, with updatedReplicas ${updated} of ${replicas}, because ${why}.${changed.length ? ` ${changed.join('; ')}.` : ''} The new revision never reached the pods${symptom ? `, which still fail as before ("${quote(symptom.s.sample, 180)}")` : ''}.`,
    confidence: 'high',
    fix: `Let the update reach the pods: ${patch}; then watch kubectl rollout status statefulset/${workload.name} -n ${facts.namespace}.`,
    clues: strategy === 'OnDelete' ? ['OnDelete'] : ['partition'],
    objects: [workload],
  };
};
