/**
 * The CLI's only writers. stdout carries the report (exactly one JSON document with --output json);
 * everything else goes to stderr.
 */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  stderrIsTty: boolean;
  stdoutIsTty: boolean;
}

export const processOutput: Output = {
  stdout: (text) => {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  },
  stderr: (text) => {
    process.stderr.write(text.endsWith('\n') ? text : text + '\n');
  },
  stderrIsTty: process.stderr.isTTY === true,
  stdoutIsTty: process.stdout.isTTY === true,
};
