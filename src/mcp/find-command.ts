import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Where a stdio server's command would be found when spawned: a path (relative to `cwd`) as is,
 * a bare name on PATH. Null when there is nothing to run, so that a typo is a configuration error
 * before anything starts rather than a server that silently never connects.
 */
export async function findCommand(
  command: string,
  options: { pathVariable: string | undefined; cwd: string },
): Promise<string | null> {
  if (command.includes('/') || command.includes(path.sep)) {
    const file = path.resolve(options.cwd, command);
    return (await isExecutableFile(file)) ? file : null;
  }
  for (const dir of (options.pathVariable ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, command);
    if (await isExecutableFile(file)) return file;
  }
  return null;
}
