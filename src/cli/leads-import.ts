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
  const progress = progressLine(c.dryRun ? 'checked' : 'imported');
  let tally: ImportTally;
  try {
    tally = await importLeadsFile(c, send, progress.show);
  } finally {
    progress.end(); // an error then starts on a line of its own
  }
  process.stdout.write((json ? JSON.stringify(tally) : summaryOf(tally, c.dryRun)) + '\n');
}

/** The import itself: what was recorded (or, on a dry run, would be), with every refused row by its line. */
export async function importLeadsFile(
  c: Omit<LeadsImport, 'kind'>,
  send: SendCommand,
  onChunk: (done: number, total: number) => void = () => {},
): Promise<ImportTally> {
  const { rows: total } = await checkImportFile(c.file);
  const tally: ImportTally = { created: 0, updated: 0, refused: 0, errors: [] };
  let done = 0;
  let sent = false;
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
    onChunk(done, total);
  }
  // A file with no rows still names its company: an unknown id is an error, not "created 0".
  if (!sent) await send({ kind: 'leads import-chunk', companyId: c.companyId, items: [], lines: [], dryRun: c.dryRun });
  tally.refused = tally.errors.length;
  return tally;
}

/** On a terminal one line rewritten in place; in a log, a line per chunk. */
function progressLine(verb: string) {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    show(done: number, total: number) {
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
