import { quote } from '../quote.js';
import { loggedEvidence, loggedMatches } from './logged.js';
import { times, type Rule } from './verdict.js';

/** The kernel's EMFILE, as runtimes print it. */
const EMFILE = /too many open files|\bEMFILE\b/i;

/**
 * What a change that leaks descriptors writes: a client, transport, session or file opened per
 * call instead of once, or the close that went missing.
 */
const LEAK_CLUES = [
  'http.Client',
  'http.Transport',
  'Transport',
  'NewClient',
  'HttpClient',
  'requests.Session',
  'Session(',
  'AsyncClient',
  'os.Open',
  'Close()',
  'close()',
  'MaxIdleConns',
  'KeepAlive',
  'keepAlive',
];

/**
 * The process ran out of file descriptors (EMFILE): every socket and file it holds open takes one,
 * up to the container's limit, and then any new connection or file fails at `socket()`/`open()`.
 * The errors then look like failed calls to whatever the process was calling, but the callee is
 * fine: the leak is in this process — connections kept open (a new HTTP client or transport per
 * call, each with its own idle pool), or files and responses never closed.
 */
export const fileDescriptorRule: Rule = async (ctx, facts) => {
  const {
    hits,
    total,
    top: first,
  } = loggedMatches(facts, EMFILE, (s) => s.kind !== 'warning' || s.count >= 3);
  if (!first) return null;
  const pods = new Set(hits.map((h) => h.pod));
  ctx.casebook.evidence.push(loggedEvidence(first));
  return {
    status: 'diagnosed',
    summary: `${facts.service} has run out of file descriptors ("too many open files", ${times(total)} in ${pods.size} pod(s)): its own connections or files are leaking, so its calls fail before they leave the pod.`,
    statement: `${facts.service} hit its open-file limit (EMFILE): "${quote(first.s.sample, 220)}". Each socket and file the process holds open takes a descriptor; when they run out, every new connection fails at the socket() call, so the errors look like failed calls to the service it was calling, which is not at fault. Descriptors pile up when connections or files are opened and never closed — a connection leak, typically a new HTTP client/transport or session created per call (each with its own pool of idle keep-alive connections), or response bodies and files left open.`,
    confidence: 'high',
    fix: `Create the HTTP client/transport (or session) once and reuse it, and close every response body and file; a restart frees the descriptors for a while. Raising the open-file limit only delays the next failure.`,
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    clues: LEAK_CLUES,
  };
};
