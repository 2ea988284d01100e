/**
 * The report as a person reads it in a terminal: findings first, then how the run went.
 */
import {
  commitParts,
  fileLabel,
  formatCost,
  gapLine,
  formatDuration,
  formatTokens,
  plural,
  slackOutcomeLabel,
  statusLabel,
  withoutControlCharacters,
} from './render-format.js';
import type { Report, ReportStatusName } from './schema.js';

/** How the terminal report is drawn. */
export interface TextRenderOptions {
  /** ANSI colour and weight; false for pipes, files and NO_COLOR. */
  color: boolean;
}

type Paint = (text: string) => string;

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;

const STATUS_COLOUR: Record<ReportStatusName, keyof typeof ANSI> = {
  diagnosed: 'red',
  healthy: 'green',
  inconclusive: 'yellow',
  timed_out: 'yellow',
  failed: 'red',
};

function painter(color: boolean): (style: keyof typeof ANSI) => Paint {
  return (style) => (color ? (text) => `\u001B[${ANSI[style]}m${text}\u001B[0m` : (text) => text);
}

/** Every line of a (possibly multi-line) text, indented. */
function indent(text: string, by = '  '): string {
  return text
    .split(/\r?\n/)
    .map((line) => (line === '' ? '' : by + line))
    .join('\n');
}

/**
 * Renders a report for a terminal. Text from the report is stripped of control characters so
 * that log lines quoted in it cannot move the cursor or recolour the screen.
 */
export function renderText(report: Report, options: TextRenderOptions): string {
  const paint = painter(options.color);
  const bold = paint('bold');
  const dim = paint('dim');
  const clean = withoutControlCharacters;
  const out: string[] = [];
  const section = (title: string) => out.push('', bold(title));

  const status = paint(STATUS_COLOUR[report.status])(bold(statusLabel(report.status).toUpperCase()));
  out.push(`${status}  ${bold(clean(report.service))}  ${dim(`namespace ${clean(report.namespace)}`)}`);
  if (report.summary !== '') out.push(clean(report.summary));

  section(`Root cause ${dim(`(confidence: ${report.rootCause.confidence})`)}`);
  out.push(indent(clean(report.rootCause.statement === '' ? '(none stated)' : report.rootCause.statement)));

  const evidence = report.evidence ?? [];
  section(`Evidence (${evidence.length})`);
  if (evidence.length === 0) out.push(indent(dim('none recorded')));
  evidence.forEach((item, i) => {
    const number = `${i + 1}.`.padEnd(4);
    out.push(
      `  ${number}${paint('cyan')(`[${item.source}]`)} ${indent(clean(item.detail), '      ').trimStart()}`,
    );
    if (item.ref !== undefined && item.ref !== '') out.push(`      ${dim(`ref: ${clean(item.ref)}`)}`);
  });

  const files = report.suspectFiles ?? [];
  if (files.length > 0) {
    section('Suspect files');
    for (const file of files) {
      const url = file.url === undefined || file.url === '' ? '' : `  ${dim(clean(file.url))}`;
      out.push(`  ${clean(fileLabel(file))}${url}`);
    }
  }

  const commits = report.suspectCommits ?? [];
  if (commits.length > 0) {
    section('Suspect commits');
    for (const commit of commits) {
      const { sha, message, byline } = commitParts(commit);
      const tail = [clean(message), byline === '' ? '' : dim(`— ${clean(byline)}`)].filter(
        (part) => part !== '',
      );
      out.push(`  ${paint('yellow')(clean(sha))}  ${tail.join(' ')}`.trimEnd());
    }
  }

  if (report.suggestedFix !== '') {
    section('Suggested fix');
    out.push(indent(clean(report.suggestedFix)));
  }

  const action = report.proposedAction;
  if (action) {
    // The one action the agent may take, and only when a person asks: here, the command for it.
    section('Proposed action');
    out.push(
      indent(
        clean(
          `Roll back deployment ${action.namespace}/${action.deployment} from revision ${action.fromRevision} to ${action.toRevision} (${action.image}): ` +
            `sre-agent rollback --namespace ${action.namespace} --deployment ${action.deployment} --to-revision ${action.toRevision} --yes`,
        ),
      ),
    );
  }

  const gaps = report.gaps ?? [];
  if (gaps.length > 0) {
    section(`Not checked (${gaps.length})`);
    for (const gap of gaps) out.push(`  - ${indent(clean(gapLine(gap)), '    ').trimStart()}`);
  }

  out.push('');
  const label = (name: string) => dim(name.padEnd(9));
  out.push(
    `${label('Engine')}${clean(report.engine)}${report.degraded ? paint('yellow')(' (degraded)') : ''}`,
  );
  (report.degradedReasons ?? []).forEach((reason, i) => {
    out.push(`${label(i === 0 ? 'Degraded' : '')}${clean(reason)}`);
  });
  out.push(`${label('Slack')}${clean(slackOutcomeLabel(report.slack))}`);
  const usage = report.usage;
  out.push(
    `${label('Run')}${[
      plural(usage.turns, 'turn'),
      plural(usage.toolCalls, 'tool call'),
      `tokens ${formatTokens(usage)}`,
      `cost ${formatCost(usage.costUsd)}`,
      formatDuration(report.durationMs),
    ].join(' · ')}`,
  );
  return out.join('\n') + '\n';
}
