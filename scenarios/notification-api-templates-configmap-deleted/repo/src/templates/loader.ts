import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import Handlebars from 'handlebars';
import type { Logger } from 'pino';

export type TemplateSet = Map<string, Handlebars.TemplateDelegate>;

/**
 * Load every `*.hbs` template. With TEMPLATES_BUCKET set they come from S3 (one object per
 * template under `TEMPLATES_PREFIX`); otherwise from TEMPLATES_DIR on disk.
 */
export async function loadTemplates(log: Logger): Promise<TemplateSet> {
  const bucket = process.env.TEMPLATES_BUCKET;
  const set: TemplateSet = new Map();
  if (bucket) {
    const prefix = process.env.TEMPLATES_PREFIX ?? 'templates/';
    const s3 = new S3Client({});
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    for (const object of listed.Contents ?? []) {
      if (!object.Key?.endsWith('.hbs')) continue;
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      const name = object.Key.slice(prefix.length, -'.hbs'.length);
      set.set(name, Handlebars.compile(await body.Body!.transformToString()));
    }
    log.info({ templates: set.size, bucket }, `loaded ${set.size} templates from s3://${bucket}/${prefix}`);
    return set;
  }
  const dir = process.env.TEMPLATES_DIR ?? '/app/templates';
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.hbs')) continue;
    set.set(file.slice(0, -'.hbs'.length), Handlebars.compile(await readFile(join(dir, file), 'utf8')));
  }
  log.info({ templates: set.size }, `loaded ${set.size} templates from ${dir}`);
  return set;
}
