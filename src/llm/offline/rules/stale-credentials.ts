import { readObject } from '../cluster-read.js';
import { at, list, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import { times, type Rule } from './verdict.js';

/** What servers answer when a login's user or password is wrong (not expired, not forbidden). */
const AUTH_REJECTED =
  /password authentication failed|Access denied for user|WRONGPASS|invalid username-password pair|NOAUTH Authentication required|SASL authentication failed|Authentication failed for user|Login failed for user|invalid (?:username|user name) or password|authentication failed: bad credentials|FATAL: password/i;
/** Env names that carry a secret rather than, say, a user name. */
const SECRET_ENV = /PASS|PWD|SECRET|TOKEN|CRED|_KEY$|AUTH/i;

interface SecretEnv {
  container: string;
  env: string;
  secret: string;
  key?: string;
}

/** Env vars (or whole envFrom blocks) a pod takes from Secrets: fixed when the container starts. */
function secretEnv(pod: unknown): SecretEnv[] {
  return list(at(pod, 'spec', 'containers')).flatMap((c) => [
    ...list(c.env).flatMap((e) => {
      const secret = str(at(e, 'valueFrom', 'secretKeyRef', 'name'));
      return secret
        ? [
            {
              container: str(c.name) ?? '?',
              env: str(e.name) ?? '?',
              secret,
              key: str(at(e, 'valueFrom', 'secretKeyRef', 'key')),
            },
          ]
        : [];
    }),
    ...list(c.envFrom).flatMap((e) => {
      const secret = str(at(e, 'secretRef', 'name'));
      return secret ? [{ container: str(c.name) ?? '?', env: `${str(e.prefix) ?? ''}*`, secret }] : [];
    }),
  ]);
}

/**
 * A server rejects the service's login (password authentication failed, access denied) while the
 * service takes the credential from a Secret as an environment variable. Env is read once, at
 * container start: when the Secret (or the ExternalSecret/SealedSecret that writes it) changed
 * after the pods started — a rotation — the pods keep the old value until they restart. Secrets
 * themselves stay unread (DESIGN 5); their change shows in events.
 */
export const staleCredentialRule: Rule = async (ctx, facts) => {
  const rejected = facts.logs.flatMap((l) =>
    l.analysis.signatures
      .filter((s) => AUTH_REJECTED.test(`${s.message} ${s.sample}`))
      .map((s) => ({ s, pod: l.pod })),
  );
  const count = rejected.reduce((n, r) => n + r.s.count, 0);
  const top = rejected.sort((a, b) => b.s.count - a.s.count)[0];
  if (!top || count < 2) return null;
  const running = facts.listing.pods.filter((p) => p.phase === 'Running');
  const pod = running.find((p) => p.name === top.pod) ?? running[0];
  if (!pod) return null;
  const spec = await readObject(ctx, 'Pod', pod.name, facts.namespace);
  const refs = secretEnv(spec);
  const ref = refs.find((r) => SECRET_ENV.test(r.env) || SECRET_ENV.test(r.key ?? '')) ?? refs[0];
  if (!ref) return null;
  const started = facts.listing.pods
    .map((p) => p.startTime)
    .filter((t): t is string => Boolean(t))
    .sort()[0];
  // Events about the Secret, or about the object of the same name that writes it, after the pods started.
  const changed = facts.events
    .filter((e) => {
      const [kind, name] = (e.object ?? '').split('/');
      return (
        name === ref.secret &&
        /Secret/i.test(kind ?? '') &&
        /updat|sync|rotat|creat|refresh|unseal/i.test(`${e.reason} ${e.message}`) &&
        (!started || (e.lastTimestamp ?? '') > started)
      );
    })
    .sort((a, b) => (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''))[0];
  const source = `${ref.env.endsWith('*') ? `envFrom secretRef ${ref.secret}` : `env ${ref.env} from Secret ${ref.secret}${ref.key ? ` key ${ref.key}` : ''}`} (container ${ref.container})`;
  ctx.casebook.evidence.unshift(
    {
      source: 'logs',
      detail: `${quote(top.s.sample, 260)} (${times(count)})`,
      ref: `pod/${top.pod}`,
    },
    {
      source: 'kubernetes',
      detail: `Pod ${pod.name} takes its credential as ${source}; the pods started ${started ?? 'at an unknown time'}${changed ? `; ${changed.object} ${changed.reason}: "${quote(changed.message ?? '', 120)}" at ${changed.lastTimestamp}` : ''}`,
      ref: `pod/${pod.name}`,
    },
  );
  const workload = facts.listing.workload;
  const restart = workload
    ? `kubectl rollout restart ${workload.kind.toLowerCase()}/${workload.name} -n ${facts.namespace}`
    : `delete the pods so they are recreated`;
  if (changed)
    return {
      status: 'diagnosed',
      summary: `${facts.service} logs in with a stale password: Secret ${ref.secret} was updated at ${changed.lastTimestamp}, after the pods started (${started}), and env vars keep the old value until a restart.`,
      statement: `The server rejects ${facts.service}'s credentials ("${quote(top.s.sample, 180)}", ${times(count)}). The pods read the credential as an environment variable (${source}), which is set only when the container starts; the pods started at ${started} and the Secret was rotated at ${changed.lastTimestamp} ("${quote(changed.message ?? changed.reason ?? '', 80)}" on ${changed.object}). The pods were not restarted, so they still send the old password.`,
      confidence: 'high',
      fix: `Restart the pods so they read the new Secret (${restart}). To keep it from recurring, restart on Secret changes (a checksum annotation on the pod template, or a reloader) or mount the Secret as a volume, which the kubelet refreshes.`,
      objects: workload ? [workload] : [],
      notFromChange: true,
    };
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s logins are rejected ("${quote(top.s.sample, 120)}"): the credential from Secret ${ref.secret} does not match what the server expects.`,
    statement: `The server rejects ${facts.service}'s credentials ("${quote(top.s.sample, 180)}", ${times(count)}). The credential comes from ${source}, read when the container starts (pods started ${started ?? 'at an unknown time'}): either the Secret holds a wrong password, or it was changed after the pods started and they still use the old one.`,
    confidence: 'medium',
    fix: `Check that Secret ${ref.secret} holds the password the server expects; if it was rotated, restart the pods (${restart}).`,
    objects: workload ? [workload] : [],
  };
};
