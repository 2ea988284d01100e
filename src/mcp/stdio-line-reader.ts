import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  deserializeMessage,
  ReadBuffer,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
} from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The stdio transport's line reader (same framing: one JSON-RPC message per line), which also
 * reports each line it could or could not read, so that a server writing logs or anything else
 * to stdout can be named with the line it wrote instead of a bare "Request timed out".
 */
class ReportingLineReader {
  private buffer: Buffer | undefined;
  constructor(private readonly onLine: (line: string, isMessage: boolean) => void) {}

  append(chunk: Buffer): void {
    const size = (this.buffer?.length ?? 0) + chunk.length;
    if (size > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
      this.clear();
      throw new Error(`ReadBuffer exceeded maximum size of ${STDIO_DEFAULT_MAX_BUFFER_SIZE} bytes`);
    }
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
  }

  readMessage(): JSONRPCMessage | null {
    const end = this.buffer?.indexOf('\n') ?? -1;
    if (this.buffer === undefined || end === -1) return null;
    const line = this.buffer.toString('utf8', 0, end).replace(/\r$/, '');
    this.buffer = this.buffer.subarray(end + 1);
    try {
      const message = deserializeMessage(line);
      this.onLine(line, true);
      return message;
    } catch (error) {
      this.onLine(line, false);
      throw error;
    }
  }

  clear(): void {
    this.buffer = undefined;
  }
}

/**
 * Put a ReportingLineReader in the transport. It reaches into the SDK's (untyped) private reader,
 * so it does so only where that reader is the SDK's own ReadBuffer; with any other SDK shape the
 * transport is left alone, and a bad line is still noticed through `onerror`, without its text.
 */
export function reportLines(
  transport: StdioClientTransport,
  onLine: (line: string, isMessage: boolean) => void,
): void {
  const internals = transport as unknown as { _readBuffer?: unknown };
  if (internals._readBuffer instanceof ReadBuffer) internals._readBuffer = new ReportingLineReader(onLine);
}
