import { checkImportFile, importChunks } from '../features/leads/leads-import.js';
import type { ImportTally } from '../features/leads/leads.commands.js';
import type { Command } from './args.js';
import type { DataCommand } from './commands.js';

type LeadsImport = Extract<Command, { kind: 'leads import' }>;
/** Runs a data command where this invocation runs them: in this process, or in the server holding the data directory. */
export type SendCommand = (command: DataCommand) => Promise<Record<string, unknown>>;

const LISTED = 50;
const count = (n: number) => n.toLocaleString('en-US');

/**
 * `quoteleads leads import`: the file is read here, in the command's process, and each chunk of 500
 * rows is its own data command, so progress shows between chunks whichever process writes them.
 */
export async function runLeadsImport(c: LeadsImport, json: boolean, send: SendCommand): Promise<void> {
  const { rows: total } = await checkImportFile(c.file);
  const tally: ImportTally = { created: 0, updated: 0, refused: 0, errors: [] };
  const progress = progressLine(c.dryRun ? 'checked' : 'imported', total);
  let done = 0;
  let sent = false;
  try {
    for await (const chunk of importChunks(c.file, c.source)) {
      const answer = (await send({
        kind: 'leads import-chunk',
        companyId: c.companyId,
        items: chunk.rows.map((r) => r.item),
        lines: chunk.rows.map((r) => r.line),
        dryRun: c.dryRun,
      })) as ImportTally;
      sent = true;
      tally.created += answer.created;
      tally.updated += answer.updated;
      tally.errors.push(...[...chunk.refused, ...answer.errors].sort((a, b) => a.line - b.line));
      done += chunk.rows.length + chunk.refused.length;
      progress.show(done);
    }
    // A file with no rows still names its company: an unknown id is an error, not "created 0".
    if (!sent) await send({ kind: 'leads import-chunk', companyId: c.companyId, items: [], lines: [], dryRun: c.dryRun });
  } finally {
    progress.end(); // an error then starts on a line of its own
  }
  tally.refused = tally.errors.length;
  process.stdout.write((json ? JSON.stringify(tally) : summaryOf(tally, c.dryRun)) + '\n');
}

/** On a terminal one line rewritten in place; in a log, a line per chunk. */
function progressLine(verb: string, total: number) {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    show(done: number) {
      const text = `${verb} ${count(done)} / ${count(total)} rows`;
      process.stderr.write(tty ? `\r${text}` : `${text}\n`);
      shown = true;
    },
    end() {
      if (tty && shown) process.stderr.write('\n');
    },
  };
}

function summaryOf(t: ImportTally, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'Dry run, nothing written: would have ' : ''}created ${count(t.created)}, updated ${count(t.updated)}, refused ${count(t.refused)}`,
    ...t.errors.slice(0, LISTED).map((e) => `line ${e.line}: ${e.error}`),
  ];
  if (t.errors.length > LISTED) lines.push(`… and ${count(t.errors.length - LISTED)} more`);
  return lines.join('\n');
}
