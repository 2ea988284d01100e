import type { EngineContext } from '../../engine.js';
import { readObject } from '../cluster-read.js';
import type { PodLog, ServiceFacts } from '../facts.js';
import { at, list, str, strings } from '../k8s-object.js';
import { undoAdvice } from '../names.js';
import { quote } from '../quote.js';
import { describeSignal, exitSignal } from '../exit-signals.js';
import type { PodContainer } from '../tool-data.js';
import { times, type Rule } from './verdict.js';

/** What a process's exit code says, as shells and container runtimes use them. */
export function exitCodeMeaning(code: number | undefined): string | undefined {
  if (code === undefined) return undefined;
  if (code === 126)
    return 'the command was found but could not be executed (permission denied or not executable)';
  if (code === 127) return 'command not found';
  if (code === 128) return 'the container runtime could not start the process';
  if (code === 2) return 'the shell reports a usage or syntax error';
  if (code === 137) return 'killed by SIGKILL (out of memory or forced stop)';
  if (code === 143) return 'stopped by SIGTERM';
  const signal = exitSignal(code);
  // An abort is also how runtimes die on their own fatal errors (Node's heap limit): not always native.
  if (code === 134)
    return 'abort (SIGABRT): the process aborted itself (a fatal runtime error or failed check)';
  if (signal?.native) return `${describeSignal(signal)}: the process crashed in native code`;
  if (code > 128 && code < 160) return `killed by signal ${code - 128}`;
  return undefined;
}

/** Lines of a shell or runtime that say the command itself is wrong, with what they name. */
const COMMAND_ERRORS: { pattern: RegExp; what: (m: RegExpMatchArray) => string }[] = [
  {
    pattern: /exec: "([^"]+)": executable file not found in \$PATH/,
    what: (m) => `the executable "${m[1]}" does not exist in the image`,
  },
  { pattern: /exec (\S+): no such file or directory/, what: (m) => `${m[1]} does not exist in the image` },
  { pattern: /exec (\S+): permission denied/, what: (m) => `${m[1]} is not executable` },
  {
    pattern: /exec format error/,
    what: () => 'the binary is built for another CPU architecture (exec format error)',
  },
  // bash `script: line 5: x: command not found`, dash `script: 5: x: not found`, `sh: x: not found`
  {
    pattern: /\S: (?:line )?\d+: ([^\s:]+): (?:command )?not found/,
    what: (m) => `the command "${m[1]}" does not exist in the image`,
  },
  {
    pattern: /(?:^|\s)(?:\/bin\/)?(?:ba|da|z|a)?sh: ([^\s:]+): (?:command )?not found/,
    what: (m) => `the command "${m[1]}" does not exist in the image`,
  },
  {
    pattern: /(?:^|\s)([^\s:]+): command not found/,
    what: (m) => `the command "${m[1]}" does not exist in the image`,
  },
  // env `env: 'python': No such file or directory`; a line that is only `pg_dump: not found`
  {
    pattern: /env: '?([^\s':]+)'?: No such file or directory/,
    what: (m) => `the command "${m[1]}" does not exist in the image`,
  },
  {
    pattern: /^\s*([\w.+-]+): not found\s*$/,
    what: (m) => `the command "${m[1]}" does not exist in the image`,
  },
  {
    pattern: /\S: (?:line )?\d+: ([^\s:]+): Permission denied/,
    what: (m) => `${m[1]} is not executable (permission denied)`,
  },
  {
    pattern: /(?:sh|bash): (?:line \d+: |\d+: )?[Ss]yntax error[^"]*/,
    what: (m) => `the script has a syntax error (${quote(m[0], 80)})`,
  },
  {
    pattern: /can't open '([^']+)'|can't open file '([^']+)'/,
    what: (m) => `the script ${m[1] ?? m[2]} does not exist`,
  },
];

/** What a build line that picks a CPU architecture holds (`--platform linux/arm64`, `GOARCH=arm64`, `runs-on: …-arm`). */
const ARCH_CLUES = [
  'linux/arm64',
  'linux/amd64',
  'arm64',
  'aarch64',
  'GOARCH',
  '--platform',
  'platforms:',
  '-arm',
];

interface Failure {
  pod: string;
  container: PodContainer;
  exitCode?: number;
  reason?: string;
  message?: string;
  log?: PodLog;
  commandError?: { line: string; what: string };
}

/** The container's failure: its current terminated state, or its last termination. */
function failureOf(pod: string, c: PodContainer): Failure | null {
  const terminated =
    c.state === 'terminated' && c.exitCode !== 0
      ? { exitCode: c.exitCode, reason: c.reason, message: c.message }
      : null;
  const last = c.lastTermination && c.lastTermination.exitCode !== 0 ? c.lastTermination : null;
  const waitingStart =
    c.state === 'waiting' && /RunContainerError|CreateContainerError|StartError/.test(c.reason ?? '')
      ? { reason: c.reason, message: c.message }
      : null;
  const f = terminated ?? last ?? waitingStart;
  if (!f) return null;
  return {
    pod,
    container: c,
    exitCode: 'exitCode' in f ? f.exitCode : undefined,
    reason: f.reason,
    message: f.message,
  };
}

function commandErrorIn(text: string): { line: string; what: string } | undefined {
  for (const line of text.split('\n').slice(-200).reverse()) {
    for (const { pattern, what } of COMMAND_ERRORS) {
      const m = line.match(pattern);
      if (m) return { line: line.trim(), what: what(m) };
    }
  }
  return undefined;
}

/** The container's command and args from the pod spec, when the generic read tool can fetch the pod. */
async function commandOf(
  ctx: EngineContext,
  facts: ServiceFacts,
  pod: string,
  container: PodContainer,
): Promise<string | undefined> {
  const object = await readObject(ctx, 'Pod', pod, facts.namespace);
  if (!object) return undefined;
  const specs = list(at(object, 'spec', container.init ? 'initContainers' : 'containers'));
  const spec = specs.find((s) => str(s.name) === container.name);
  const words = [...strings(spec?.command), ...strings(spec?.args)];
  return words.length ? words.join(' ') : undefined;
}

/**
 * A container (an init container, a Job's pod, a main container) that fails on its own command:
 * exit codes 126/127/128, StartError, or the shell saying a command is missing or broken.
 */
export const commandRule: Rule = async (ctx, facts) => {
  const failures: Failure[] = [];
  for (const pod of facts.listing.pods) {
    for (const c of pod.containers) {
      const failure = failureOf(pod.name, c);
      if (!failure) continue;
      const logs = facts.logs.filter(
        (l) => l.pod === pod.name && (c.init ? l.container === c.name : !l.container),
      );
      const fromLogs = logs.map((l) => ({ log: l, error: commandErrorIn(l.text) })).find((x) => x.error);
      const fromMessage = failure.message ? commandErrorIn(failure.message) : undefined;
      failure.commandError = fromMessage ?? fromLogs?.error;
      failure.log = fromLogs?.log;
      failures.push(failure);
    }
  }
  const hit =
    failures.find((f) => f.commandError) ??
    failures.find(
      (f) => f.exitCode === 126 || f.exitCode === 127 || /StartError|ContainerCannotRun/.test(f.reason ?? ''),
    );
  if (!hit) return null;
  const c = hit.container;
  const role = c.init ? `init container ${c.name}` : `container ${c.name}`;
  const meaning = exitCodeMeaning(hit.exitCode);
  // Any failed pod of the workload carries the same template: the first whose spec can be read.
  let command: string | undefined;
  for (const pod of [hit.pod, ...failures.map((f) => f.pod).filter((p) => p !== hit.pod)].slice(0, 3)) {
    command = await commandOf(ctx, facts, pod, c);
    if (command) break;
  }
  const what = hit.commandError?.what ?? meaning ?? 'its command fails';
  const sameFailures = failures.filter((f) => f.container.name === c.name).length;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `${role} of ${hit.pod}: ${hit.reason ?? 'terminated'}${hit.exitCode !== undefined ? ` (exit code ${hit.exitCode}${meaning ? `: ${meaning}` : ''})` : ''}${c.restartCount ? `, ${times(c.restartCount)} restarted` : ''}${hit.message ? ` — ${quote(hit.message, 200)}` : ''}`,
    ref: `pod/${hit.pod}`,
  });
  if (hit.commandError && !hit.message?.includes(hit.commandError.line))
    ctx.casebook.evidence.splice(1, 0, {
      source: 'logs',
      detail: quote(hit.commandError.line, 300),
      ref: `pod/${hit.pod}${c.init || hit.log?.container ? ` container ${c.name}` : ''}`,
    });
  const workload = facts.listing.workload;
  // A binary for another CPU architecture is a build fault: the change that set a platform or an
  // architecture (a CI workflow, a Dockerfile, a build script) wrote it, not the pod template.
  const wrongArch = /exec format error/i.test(`${hit.commandError?.line ?? ''} ${hit.message ?? ''}`);
  const blocks = c.init
    ? ' The pod never gets past its init containers, so the application containers do not start.'
    : '';
  return {
    status: 'diagnosed',
    summary: `${facts.service} fails because the ${role} cannot run its command: ${what}${sameFailures > 1 ? ` (${sameFailures} pods)` : ''}.`,
    statement: `The ${role} exits ${hit.exitCode !== undefined ? `with code ${hit.exitCode}` : `with ${hit.reason ?? 'an error'}`}: ${what}${command ? ` — its command is \`${quote(command, 160)}\`` : ''}${hit.commandError ? ` ("${quote(hit.commandError.line, 200)}")` : ''}.${blocks}`,
    confidence: hit.commandError ? 'high' : 'medium',
    fix: wrongArch
      ? `Build the image for the nodes' CPU architecture (or publish a multi-arch image): restore the platform/architecture setting of the build, then ${undoAdvice(workload, facts.namespace)}.`
      : fixFor(hit, role, command, workload, facts.namespace),
    rollback: true,
    objects: workload && !wrongArch ? [workload] : [],
    clues: wrongArch
      ? ARCH_CLUES
      : [missingCommand(hit), command?.split(' ')[0]].filter((c): c is string => Boolean(c && c.length >= 4)),
  };
};

/** The executable the shell or runtime said is missing, when it named one. */
function missingCommand(f: Failure): string | undefined {
  return f.commandError?.what.match(/"([^"]+)"/)?.[1];
}

/**
 * A command typed wrong is fixed in the pod template; a tool the script needs that the image
 * lacks is fixed by the image (a script run by `sh` fails inside, on a line of its own).
 */
function fixFor(
  f: Failure,
  role: string,
  command: string | undefined,
  workload: { kind: string; name: string } | null,
  namespace: string,
): string {
  const where = workload ? `${workload.kind} ${workload.name}` : 'the workload';
  const missing = missingCommand(f);
  // `script.sh: line 5: x: not found`: the shell running a script reports it, on the script's line.
  const fromScript = /\.(?:sh|bash|ksh)\b[^:]*: (?:line )?\d+:/.test(f.commandError?.line ?? '');
  const inScript = Boolean(
    missing &&
    (fromScript || (command && !command.split(/\s+/).some((w) => w.split('/').at(-1) === missing))),
  );
  if (inScript)
    return `The image of the ${role} does not contain ${missing}, which its script calls: run an image that has it (the image it used before the change) or install it in the image, then ${undoAdvice(workload, namespace)}.`;
  return `Correct the command of the ${role} in the pod template of ${where}${command ? ` (\`${quote(command, 120)}\`)` : ''}${missing ? `: "${missing}" is not an executable of the image` : ''}, then ${undoAdvice(workload, namespace)}.`;
}
