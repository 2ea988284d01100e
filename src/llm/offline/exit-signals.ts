/**
 * What a container's exit code says about how it died. A process killed by a signal exits with
 * 128 + the signal's number (POSIX shells and container runtimes alike), so `lastState.terminated`
 * with exit code 139 and reason `Error` is a segmentation fault even when nothing was logged.
 */
export interface ExitSignal {
  code: number;
  signal: string;
  /** Plain words for the report: `segmentation fault`. */
  name: string;
  /** True for signals raised by faulty native code, not sent from outside (SIGKILL, SIGTERM). */
  native: boolean;
}

const SIGNALS: ExitSignal[] = [
  { code: 132, signal: 'SIGILL', name: 'illegal instruction', native: true },
  { code: 134, signal: 'SIGABRT', name: 'abort', native: true },
  { code: 135, signal: 'SIGBUS', name: 'bus error', native: true },
  { code: 136, signal: 'SIGFPE', name: 'floating-point exception', native: true },
  { code: 137, signal: 'SIGKILL', name: 'kill', native: false },
  { code: 139, signal: 'SIGSEGV', name: 'segmentation fault', native: true },
  { code: 143, signal: 'SIGTERM', name: 'termination request', native: false },
];

export function exitSignal(code: number | undefined): ExitSignal | undefined {
  return SIGNALS.find((s) => s.code === code);
}

/**
 * The line a runtime or the C library prints when native code crashes: the kernel's and shells'
 * words, Python's faulthandler, the JVM's hs_err banner, Go's signal panic, glibc's heap checks.
 */
export const NATIVE_CRASH_LINE =
  /Segmentation fault|\bSIGSEGV\b|segmentation violation|core dumped|Illegal instruction|\bSIGILL\b|\bSIGBUS\b|Bus error|\bSIGFPE\b|Floating point exception|\bSIGABRT\b|Fatal Python error: (?:Segmentation fault|Aborted|Bus error|Illegal instruction|Floating point exception)|A fatal error has been detected by the Java Runtime Environment|double free or corruption|free\(\): invalid|malloc\(\): (?:corrupted|memory corruption|unaligned)|stack smashing detected|unexpected signal during runtime execution/;

/**
 * A runtime that aborts on its own heap limit (Node's `FATAL ERROR: Reached heap limit`, Go's
 * `runtime: out of memory`) exits like a native crash (134, SIGABRT) but is a memory problem.
 */
export const HEAP_EXHAUSTED =
  /JavaScript heap out of memory|Reached heap limit|Allocation failed - |fatal error: runtime: out of memory|OutOfMemoryError/;

/** The signal a native crash line names, when it names one. */
export function signalOfLine(line: string): ExitSignal | undefined {
  const by = (signal: string) => SIGNALS.find((s) => s.signal === signal);
  if (/Segmentation fault|SIGSEGV|segmentation violation/i.test(line)) return by('SIGSEGV');
  if (/Illegal instruction|SIGILL/.test(line)) return by('SIGILL');
  if (/SIGBUS|Bus error/.test(line)) return by('SIGBUS');
  if (/SIGFPE|Floating point exception/.test(line)) return by('SIGFPE');
  if (/SIGABRT|Aborted|double free|free\(\)|malloc\(\)|stack smashing/.test(line)) return by('SIGABRT');
  return undefined;
}

/** `segmentation fault (SIGSEGV)`: how the report reads an exit code. */
export function describeSignal(s: ExitSignal): string {
  return `${s.name} (${s.signal})`;
}
