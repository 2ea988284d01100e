import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import type { ServiceFacts } from '../facts.js';
import { quote } from '../quote.js';
import { readFile, readSearchPaths, type PodInfo, suspectOf } from '../tool-data.js';
import { recentCommitDetails, showLine } from './recent-change.js';
import type { Verdict } from './verdict.js';

/** Files that build and publish images: CI workflows and pipelines of the common systems. */
const CI_FILE =
  /(^|\/)(\.github\/workflows\/[^/]+\.ya?ml|\.gitlab-ci\.ya?ml|Jenkinsfile[^/]*|\.circleci\/config\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.ya?ml|cloudbuild\.ya?ml|\.drone\.ya?ml|\.woodpecker\.ya?ml|\.buildkite\/[^/]+\.ya?ml|\.tekton\/[^/]+\.ya?ml)$/i;
/** What a pipeline line says when it decides when images are published and under which tag. */
const PUBLISH_LINE =
  /\b(push|publish|docker|buildx?|build-push|image|tags?|registry|branches|version|latest|kaniko|buildah|jib|crane|skopeo|on:)\b/i;
const PUBLISH_WORDS = /\b(image|publish|push|docker|registry|tag|release)\b/i;
const DIGEST = /sha256:[0-9a-f]{64}/;
const SHORT = 12;

interface Build {
  digest: string;
  pods: PodInfo[];
}

/** One container of one workload on one tag, pulled as two builds: the failing pods' and the working pods'. */
export interface TagDrift {
  container: string;
  image: string;
  repository: string;
  tag: string;
  failing: Build;
  working: Build;
}

/** `registry/x/app:3.8.1` → repository and tag; a reference without a tag means `latest`. */
function splitImage(image: string): { repository: string; tag: string } {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash
    ? { repository: image.slice(0, colon), tag: image.slice(colon + 1) }
    : { repository: image, tag: 'latest' };
}

const short = (digest: string) => `sha256:${digest.slice('sha256:'.length, 'sha256:'.length + SHORT)}`;

/**
 * Pods of one workload that name the same image tag yet report different digests
 * (`containerStatuses[].imageID`), where every failing pod has a digest no working pod has: the
 * tag was pushed again with another build between the pulls, so "the same version" is two
 * programs. A reference pinned by digest cannot drift and is skipped.
 */
export function tagDrift(facts: ServiceFacts): TagDrift | null {
  const groups = new Map<string, { container: string; image: string; byDigest: Map<string, Build> }>();
  const verdicts = new Map<string, boolean>();
  for (const pod of facts.listing.pods) {
    if (pod.ownerKind === 'Job' || pod.terminating) continue;
    for (const c of pod.containers) {
      const digest = DIGEST.exec(c.imageID ?? '')?.[0];
      if (c.init || !c.image || c.image.includes('@') || !digest) continue;
      const key = `${c.name} ${c.image}`;
      const group = groups.get(key) ?? { container: c.name, image: c.image, byDigest: new Map() };
      groups.set(key, group);
      const build = group.byDigest.get(digest) ?? { digest, pods: [] };
      build.pods.push(pod);
      group.byDigest.set(digest, build);
      // Working: ready and running now; failing: not ready, or restarted and not running.
      verdicts.set(`${pod.name} ${c.name}`, c.ready === true && c.state === 'running');
    }
  }
  for (const group of groups.values()) {
    if (group.byDigest.size < 2) continue;
    const works = (b: Build) => b.pods.map((p) => verdicts.get(`${p.name} ${group.container}`) === true);
    const builds = [...group.byDigest.values()];
    const failing = builds.filter((b) => works(b).every((ok) => !ok));
    const working = builds.filter((b) => works(b).every(Boolean));
    // One build fails everywhere it runs, another works everywhere: the build is the difference.
    if (failing.length !== 1 || working.length < 1 || failing.length + working.length !== builds.length)
      continue;
    const best = working.sort((a, b) => b.pods.length - a.pods.length)[0] as Build;
    return {
      container: group.container,
      image: group.image,
      ...splitImage(group.image),
      failing: failing[0] as Build,
      working: best,
    };
  }
  return null;
}

interface PublishLink {
  path: string;
  lines: string[];
  commit?: { sha: string; message?: string; author?: string; date?: string };
  note: string;
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

/** Changed lines of a pipeline's patch that decide when and under which tag images are published. */
function publishLines(patch: string): string[] {
  return patch
    .split('\n')
    .filter((l) => /^[+-](?![+-]{2})\s*\S/.test(l) && !/^[+-]\s*#/.test(l) && PUBLISH_LINE.test(l))
    .slice(0, 3);
}

/**
 * The CI pipeline that publishes the image, and the commit that made it publish the way it does
 * now: the newest recent commit to a pipeline file whose diff (or message) is about publishing
 * images, else a pipeline file that names the image.
 */
async function publishWorkflow(ctx: EngineContext, drift: TagDrift): Promise<PublishLink | null> {
  const details = await recentCommitDetails(ctx, { days: 60, list: 20, read: 15 });
  for (const detail of details) {
    const file = detail.files.find((f) => CI_FILE.test(f.path));
    if (!file) continue;
    const lines = publishLines(file.patch);
    const name = drift.repository.split('/').at(-1) ?? '';
    const aboutImages =
      lines.length > 0 || PUBLISH_WORDS.test(detail.message ?? '') || (name && file.patch.includes(name));
    if (!aboutImages) continue;
    const sha = detail.sha.slice(0, 7);
    const onBranches = lines.some((l) => l.startsWith('+') && /\bbranches\b/.test(l));
    return {
      path: file.path,
      lines,
      commit: detail,
      note:
        `Commit ${sha} "${firstLine(detail.message)}" (${detail.author ?? 'unknown'}, ${detail.date ?? ''}) changed how ${file.path} publishes the image` +
        (onBranches ? ', now on every push to a branch rather than on a release tag' : '') +
        (lines.length ? `: ${lines.map((l) => `\`${showLine(l)}\``).join(', ')}` : '') +
        `; a pipeline that pushes a fixed version tag on every run overwrites ${drift.tag} with each new build.`,
    };
  }
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const fileTool = toolFor('fileContents', names);
  const name = drift.repository.split('/').at(-1);
  if (!search || !fileTool || !name) return null;
  const found = await ctx.tools.call(search, { query: name });
  const hits = found.ok ? readSearchPaths(found.structured).filter((h) => CI_FILE.test(h.path)) : [];
  for (const hit of hits.slice(0, 3)) {
    const read = await ctx.tools.call(fileTool, { path: hit.path });
    const file = read.ok ? readFile(read.structured) : null;
    const line = file?.content.split('\n').find((l) => /\b(push|publish)\b/i.test(l) || /\btags?:/.test(l));
    if (!file || !line) continue;
    return {
      path: hit.path,
      lines: [line.trim()],
      note: `${hit.path} publishes the image (\`${quote(line.trim(), 120)}\`): a pipeline that pushes the same tag again overwrites ${drift.tag}.`,
    };
  }
  return null;
}

function podNames(build: Build): string {
  const names = build.pods.map((p) => p.name);
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

function newestStart(build: Build): string | undefined {
  return build.pods
    .map((p) => p.startTime ?? '')
    .filter(Boolean)
    .sort()
    .at(-1);
}

/** Every failing pod started after every working one: the tag changed between their pulls. */
function pulledLater(failing: Build, working: Build): boolean {
  const first = failing.pods.map((p) => p.startTime ?? '').sort()[0];
  const last = newestStart(working);
  return Boolean(first && last && first > last);
}

/**
 * A verdict on failing pods, told with what the digests show: the tag the workload names was
 * overwritten, so pods pulled at different times run different builds. Rolling back to an earlier
 * revision pulls the same tag again; pinning the working digest is the mitigation. The pipeline
 * that re-pushes the tag becomes the suspect file (and its commit, when one changed it).
 */
export async function withOverwrittenTag(
  ctx: EngineContext,
  facts: ServiceFacts,
  verdict: Verdict,
): Promise<Verdict> {
  if (verdict.status === 'healthy') return verdict;
  const drift = tagDrift(facts);
  if (!drift) return verdict;
  const { failing, working, tag, image } = drift;
  const started = newestStart(failing);
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail:
      `Same image ${image}, two builds: failing pod(s) ${podNames(failing)} pulled digest ${short(failing.digest)}` +
      `${started ? ` (started ${started})` : ''}, while working pod(s) ${podNames(working)} run digest ${short(working.digest)} (containerStatuses imageID).`,
    ref: `pod/${failing.pods[0]?.name ?? ''}`,
  });
  const link = await publishWorkflow(ctx, drift);
  if (link) {
    if (!ctx.casebook.suspectFiles.some((f) => f.path === link.path))
      ctx.casebook.suspectFiles.unshift({ path: link.path });
    if (link.commit && !ctx.casebook.suspectCommits.some((c) => c.sha === link.commit?.sha))
      ctx.casebook.suspectCommits.push(suspectOf(link.commit));
    ctx.casebook.evidence.push({ source: 'github', detail: link.note, ref: link.commit?.sha ?? link.path });
  }
  const workload = facts.listing.workload;
  const kind = workload && workload.kind !== 'Service' ? workload.kind.toLowerCase() : 'deployment';
  const target = workload?.name ?? facts.service;
  const pinned = `${drift.repository}@${working.digest}`;
  const overwritten =
    `The image tag ${tag} was overwritten (re-pushed): the same tag ${image} now points to a different build. ` +
    (pulledLater(failing, working)
      ? `Pods started later pulled digest ${short(failing.digest)} and fail; pods started earlier still run `
      : `The failing pods run digest ${short(failing.digest)}; the working pods run `) +
    `digest ${short(working.digest)} and work.`;
  const cause = verdict.status === 'diagnosed' ? ` The new build fails this way: ${verdict.statement}` : '';
  return {
    ...verdict,
    status: 'diagnosed',
    confidence: verdict.status === 'diagnosed' ? verdict.confidence : 'medium',
    summary:
      `${facts.service}: the same image tag ${tag} runs two different builds (digest ${short(failing.digest)} fails, ` +
      `${short(working.digest)} works): the mutable tag was re-pushed. ${verdict.status === 'diagnosed' ? verdict.summary : ''}`.trim(),
    statement: `${overwritten}${cause}${link ? ` ${link.note}` : ''}`,
    fix:
      `Pin the working build by digest now: kubectl set image ${kind}/${target} ${drift.container}=${pinned} -n ${facts.namespace} ` +
      `(rolling back to an earlier revision would pull the same tag again). Then stop re-pushing release tags: ` +
      `publish each build under its own tag (the commit SHA), turn on tag immutability in the registry, and deploy by digest` +
      `${link ? ` (${link.path})` : ''}.${verdict.status === 'diagnosed' && verdict.fix ? ` For the new build itself: ${verdict.fix}` : ''}`,
    rollback: false,
  };
}
