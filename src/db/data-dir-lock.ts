import fs from 'node:fs';
import path from 'node:path';

// PGlite is one process: two processes on one data directory corrupt it. The owner holds an exclusive
// lock file with its pid; a second process learns who holds the directory, and a lock left by a dead
// process is taken over.

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another QuoteLeads process (pid ${pid}). ` +
        `Stop that process first, or give this one another DATA_DIR.`,
    );
  }
}

export type DataDirLock = { release(): void };

const lockPathOf = (dataDir: string) => path.join(dataDir, 'quoteleads.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live process holding the directory, or null when nobody does. */
export function dataDirHolder(dataDir: string): number | null {
  try {
    const pid = Number(JSON.parse(fs.readFileSync(lockPathOf(dataDir), 'utf8')).pid);
    return Number.isInteger(pid) && pid !== process.pid && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = lockPathOf(dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }));
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const holder = JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid;
          if (holder === process.pid) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = dataDirHolder(dataDir);
      if (holder !== null) throw new DataDirBusyError(dataDir, holder);
      // Left by a process that is gone: remove it and try again.
      try {
        fs.unlinkSync(lockPath);
      } catch {
        // another process removed it first
      }
    }
  }
  throw new Error(`Could not lock the data directory ${dataDir}`);
}
