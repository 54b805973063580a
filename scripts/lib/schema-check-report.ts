import type { CheckedChange } from './acknowledgements.js';
import { unacknowledgedBreaking, type SchemaCheckReport } from './schema-check.js';

export const ACKNOWLEDGEMENTS_FILE = 'schema/breaking-changes.json';

export interface ReportLabels {
  /** What the diff compared against, e.g. "schema/supergraph.graphql at HEAD". */
  baseline: string;
  /** Today's date (YYYY-MM-DD) for the acknowledgement template. */
  today: string;
}

const LEVEL_LABEL = { breaking: 'BREAKING ', dangerous: 'DANGEROUS', safe: 'SAFE     ' } as const;

function changeLines(change: CheckedChange, today: string): string[] {
  const at = change.path ? ` [${change.path}]` : '';
  const lines = [`  ${LEVEL_LABEL[change.level]} ${change.message}${at}`];
  if (change.level === 'dangerous' && change.reason) lines.push(`            ${change.reason}`);
  if (change.level !== 'breaking') return lines;
  if (change.acknowledgement) {
    const { reason, date } = change.acknowledgement;
    lines.push(`            acknowledged ${date}: ${reason}`);
  } else {
    const template = JSON.stringify({ change: change.message, reason: '<why>', date: today });
    lines.push(
      `            not acknowledged: clients that use it break. To ship it anyway, add to ${ACKNOWLEDGEMENTS_FILE}:`,
      `            ${template}`,
    );
  }
  return lines;
}

const section = (title: string, problems: string[]) =>
  problems.length ? [`${title}:`, ...problems.map((p) => `  - ${p}`)] : [];

/** The check's output, one finding per line, every finding saying what to do. */
export function formatReport(report: SchemaCheckReport, labels: ReportLabels): string {
  const out: string[] = [];
  if (report.compositionProblems.length) {
    out.push(...section('composition FAILED', report.compositionProblems));
    out.push('', 'schema check FAILED: the subgraph schemas do not compose');
    return out.join('\n');
  }
  out.push('composition: ok');

  out.push(...section('cannot diff', report.baselineProblems));
  if (!report.baselineProblems.length) {
    if (report.changes.length) {
      out.push(`changes against ${labels.baseline}:`);
      for (const change of report.changes) out.push(...changeLines(change, labels.today));
    } else {
      out.push(`changes against ${labels.baseline}: none`);
    }
  }
  for (const ack of report.unusedAcknowledgements) {
    out.push(
      `note: acknowledgement "${ack.change}" (${ack.date}) matches no change any more; remove it from ${ACKNOWLEDGEMENTS_FILE}`,
    );
  }

  out.push(
    ...(report.operationProblems.length
      ? section('client operations that no longer validate', report.operationProblems)
      : [`client operations: all ${report.operationCount} validate`]),
  );
  out.push(
    ...(report.lintProblems.length
      ? section('schema lint', report.lintProblems)
      : ['schema lint: ok']),
  );
  out.push(
    ...(report.staleFiles.length
      ? section(
          'generated files out of date',
          report.staleFiles.map((s) => `${s.file}: ${s.fix}`),
        )
      : ['generated files: up to date']),
  );

  const failed = [
    report.baselineProblems.length && 'previous supergraph unreadable',
    unacknowledgedBreaking(report).length &&
      `${unacknowledgedBreaking(report).length} unacknowledged breaking change(s)`,
    report.operationProblems.length && `${report.operationProblems.length} operation error(s)`,
    report.lintProblems.length && `${report.lintProblems.length} lint problem(s)`,
    report.staleFiles.length && `${report.staleFiles.length} stale file(s)`,
  ].filter((f): f is string => typeof f === 'string');
  out.push('', failed.length ? `schema check FAILED: ${failed.join(', ')}` : 'schema check passed');
  return out.join('\n');
}
