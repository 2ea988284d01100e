import type { V1Container, V1EnvVar, V1Probe } from '@kubernetes/client-node';

import { isSecretEntry, looksSecretValue, redacted } from '../../guards/secret-like-config.js';

/** One health probe of a container, as a model needs it to judge restarts and readiness. */
export interface ProbeSummary {
  kind: 'liveness' | 'readiness' | 'startup';
  type: 'http' | 'tcp' | 'exec' | 'grpc' | 'unknown';
  /** `GET /healthz port 8080`, `port 5432`, `cat /tmp/ready`, `port 7070`. */
  target: string;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

/** One environment variable: a literal value (masked when secret-like) or where it comes from. */
export interface EnvVarSummary {
  name: string;
  value?: string;
  /** `from configmap x key y`, `from secret x key y`, `from field metadata.name`. */
  source?: string;
}

/** A container of a pod template: what it runs, with what configuration and limits. */
export interface ContainerSpecSummary {
  name: string;
  image: string;
  init?: boolean;
  /** The entrypoint override, and the arguments; absent when the image's own are used. */
  command?: string;
  args?: string;
  env: EnvVarSummary[];
  /** Whole ConfigMaps or Secrets loaded as variables: `configmap x`, `secret y (prefix DB_)`. */
  envFrom: string[];
  ports: string[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  probes: ProbeSummary[];
}

const maxValueChars = 200;

/** The facts of a container spec, secrets masked. */
export function summariseContainerSpec(container: V1Container, init = false): ContainerSpecSummary {
  const command = (container.command ?? []).join(' ');
  const args = (container.args ?? []).join(' ');
  const probes = (
    [
      ['liveness', container.livenessProbe],
      ['readiness', container.readinessProbe],
      ['startup', container.startupProbe],
    ] as const
  ).flatMap(([kind, probe]) => (probe ? [summariseProbe(kind, probe)] : []));
  return {
    name: container.name,
    image: container.image ?? '',
    ...(init ? { init } : {}),
    ...(command ? { command: masked(command) } : {}),
    ...(args ? { args: masked(args) } : {}),
    env: (container.env ?? []).map(summariseEnvVar),
    envFrom: (container.envFrom ?? []).map((source) => {
      const prefix = source.prefix ? ` (prefix ${source.prefix})` : '';
      if (source.configMapRef) return `configmap ${source.configMapRef.name ?? ''}${prefix}`;
      if (source.secretRef) return `secret ${source.secretRef.name ?? ''}${prefix}`;
      return `unknown source${prefix}`;
    }),
    ports: (container.ports ?? []).map(
      (port) => `${port.name ? `${port.name} ` : ''}${port.containerPort}/${port.protocol ?? 'TCP'}`,
    ),
    resources: {
      requests: { ...container.resources?.requests },
      limits: { ...container.resources?.limits },
    },
    probes,
  };
}

/** Indented lines describing a container spec, for `get_deployment`. */
export function renderContainerSpec(container: ContainerSpecSummary): string[] {
  const map = (values: Record<string, string>) =>
    Object.entries(values)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ') || 'none';
  const env = container.env.map((v) => (v.source ? `${v.name} ${v.source}` : `${v.name}=${v.value ?? ''}`));
  return [
    `${container.init ? 'init container' : 'container'} ${container.name}: image ${container.image}`,
    ...(container.command ? [`  command: ${container.command}`] : []),
    ...(container.args ? [`  args: ${container.args}`] : []),
    ...(container.ports.length > 0 ? [`  ports: ${container.ports.join(', ')}`] : []),
    `  resources: requests ${map(container.resources.requests)}; limits ${map(container.resources.limits)}`,
    `  env: ${env.join('; ') || 'none'}`,
    ...(container.envFrom.length > 0 ? [`  envFrom: ${container.envFrom.join(', ')}`] : []),
    ...(container.probes.length > 0
      ? container.probes.map(
          (p) =>
            `  ${p.kind} probe: ${p.type} ${p.target}; delay ${p.initialDelaySeconds}s, every ${p.periodSeconds}s, ` +
            `timeout ${p.timeoutSeconds}s, fails after ${p.failureThreshold}`,
        )
      : ['  probes: none']),
  ];
}

function summariseEnvVar(variable: V1EnvVar): EnvVarSummary {
  const from = variable.valueFrom;
  if (from) {
    const optional = (ref: { optional?: boolean }) => (ref.optional ? ' (optional)' : '');
    if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      return {
        name: variable.name,
        source: `from configmap ${ref.name ?? ''} key ${ref.key}${optional(ref)}`,
      };
    }
    if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      return { name: variable.name, source: `from secret ${ref.name ?? ''} key ${ref.key}${optional(ref)}` };
    }
    if (from.fieldRef) return { name: variable.name, source: `from field ${from.fieldRef.fieldPath}` };
    if (from.resourceFieldRef)
      return { name: variable.name, source: `from resource ${from.resourceFieldRef.resource}` };
    return { name: variable.name, source: 'from an unknown source' };
  }
  const value = variable.value ?? '';
  return {
    name: variable.name,
    value: isSecretEntry(variable.name, value) && value !== '' ? redacted : clip(value),
  };
}

function summariseProbe(kind: ProbeSummary['kind'], probe: V1Probe): ProbeSummary {
  const timing = {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
    successThreshold: probe.successThreshold ?? 1,
  };
  if (probe.httpGet) {
    const { path, port, scheme } = probe.httpGet;
    const https = scheme === 'HTTPS' ? ' (https)' : '';
    return { kind, type: 'http', target: `GET ${path ?? '/'} port ${String(port)}${https}`, ...timing };
  }
  if (probe.tcpSocket)
    return { kind, type: 'tcp', target: `port ${String(probe.tcpSocket.port)}`, ...timing };
  if (probe.grpc) {
    const service = probe.grpc.service ? ` service ${probe.grpc.service}` : '';
    return { kind, type: 'grpc', target: `port ${probe.grpc.port}${service}`, ...timing };
  }
  if (probe.exec) {
    const command = (probe.exec.command ?? []).join(' ');
    return { kind, type: 'exec', target: masked(command), ...timing };
  }
  return { kind, type: 'unknown', target: '', ...timing };
}

/** A command line, or [REDACTED] when it carries a credential (`--password=…`, a URL with one). */
function masked(commandLine: string): string {
  return looksSecretValue(commandLine) ||
    /--?[\w-]*(password|secret|token|key)[\w-]*[= ]\S/i.test(commandLine)
    ? redacted
    : clip(commandLine);
}

function clip(text: string): string {
  return text.length > maxValueChars ? `${text.slice(0, maxValueChars)}…` : text;
}
