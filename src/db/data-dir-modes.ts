import fs from 'node:fs';
import path from 'node:path';

// The embedded database's files hold every company's data, and DATA_DIR also holds the encryption
// key: all of it is the owner's only (folders 0700, files 0600), whoever created DATA_DIR and with
// whatever umask. PGlite creates its files 0666, so the tree is tightened when the database opens,
// after migrations, and when it closes; between those, DATA_DIR's own 0700 keeps everyone else out
// of whatever PGlite creates meanwhile.

/** Sets DATA_DIR and everything under it to the owner only; symbolic links are left alone. */
export function restrictToOwner(dir: string): void {
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(current);
    } catch {
      continue; // removed meanwhile (PGlite's temporary files)
    }
    if (st.isSymbolicLink()) continue;
    const wanted = st.isDirectory() ? 0o700 : 0o600;
    try {
      if ((st.mode & 0o777) !== wanted) fs.chmodSync(current, wanted);
    } catch {
      continue;
    }
    if (st.isDirectory()) for (const name of fs.readdirSync(current)) stack.push(path.join(current, name));
  }
}
