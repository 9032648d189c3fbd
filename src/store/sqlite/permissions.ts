/**
 * The data dir holds every stored log line, some copied from files only root may read (auth.log is
 * 0640): it is private to mamori's user. The dir is 0700 and every file in it 0600; a dir or file that
 * is more open (an older mamori made them 0755/0644, or a restore from backup) is fixed on open, and
 * each fix is reported. SQLite gives the -wal/-shm files the mode of the database file itself, so
 * creating mamori.db as 0600 keeps them private too.
 */
import fs from "node:fs";
import path from "node:path";

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

export interface PermissionFix {
  path: string;
  /** the mode before, e.g. "0755" */
  was: string;
  now: string;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Creates dataDir (0700) if needed, and the database file (0600) if missing; makes the dir and the
 * regular files directly in it private. Returns what it changed.
 */
export function secureDataDir(dataDir: string, dbFile: string): PermissionFix[] {
  const fixes: PermissionFix[] = [];
  fs.mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  tighten(dataDir, DATA_DIR_MODE, fixes);
  // created 0600 (the umask can only remove bits): SQLite then opens an existing private file
  if (!fs.existsSync(dbFile))
    fs.closeSync(fs.openSync(dbFile, fs.constants.O_WRONLY | fs.constants.O_CREAT, DATA_FILE_MODE));
  for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
    if (entry.isFile()) tighten(path.join(dataDir, entry.name), DATA_FILE_MODE, fixes);
  }
  return fixes;
}

/**
 * Removes every permission bit beyond `mode` (group/other), never adds any. Only the owner (or root)
 * may chmod: a CLI run by another user leaves the modes as they are.
 */
function tighten(file: string, mode: number, fixes: PermissionFix[]): void {
  const st = fs.lstatSync(file);
  const current = st.mode & 0o777;
  if ((current & ~mode) === 0) return;
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && uid !== st.uid) return;
  const wanted = current & mode;
  fs.chmodSync(file, wanted);
  fixes.push({ path: file, was: octal(current), now: octal(wanted) });
}
