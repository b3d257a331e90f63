import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openConfiguredDatabase } from '../cli/serve.js';
import { loadSecretBox } from '../lib/secret-box.js';

/** Every entry under `dir` (itself included) with its permission bits. */
function modesUnder(dir: string): { path: string; dir: boolean; mode: number }[] {
  const out = [{ path: dir, dir: true, mode: fs.statSync(dir).mode & 0o777 }];
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) continue;
    out.push({ path: p, dir: st.isDirectory(), mode: st.mode & 0o777 });
  }
  return out;
}

// The embedded database's files hold every company's data: owner-only, whoever made DATA_DIR.
describe('files under DATA_DIR', () => {
  it('are the owner’s only (0700 folders, 0600 files), even in a folder someone else made 0755', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-modes-'));
    fs.chmodSync(dataDir, 0o755);
    fs.mkdirSync(path.join(dataDir, 'pglite'), { mode: 0o755 });
    fs.writeFileSync(path.join(dataDir, 'notes.txt'), 'left by the operator', { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, 'pglite'), 0o755);
    fs.chmodSync(path.join(dataDir, 'notes.txt'), 0o644);
    const config = loadConfig({}, { DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const { database, lock } = await openConfiguredDatabase(config);
    try {
      await database.migrate();
      loadSecretBox(config, database.engine);
    } finally {
      await database.close();
      lock?.release();
    }
    const loose = modesUnder(dataDir).filter((e) => e.mode !== (e.dir ? 0o700 : 0o600));
    expect(loose.map((e) => `${e.path} ${e.mode.toString(8)}`)).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
