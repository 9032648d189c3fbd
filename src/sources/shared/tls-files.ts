/**
 * The PEM files of a listener's `tls: { cert, key, ca }`, read together. Every file that cannot be read
 * is named, in the config's order: reading them at once and reporting whichever failed first named a
 * different file from one start to the next when two were missing, and fixing one only revealed the next.
 */
import { readFile } from "node:fs/promises";

export interface TlsFiles {
  cert: string;
  key: string;
  ca?: string;
}

export interface TlsPem {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Throws one Error naming each unreadable file (`WHAT tls.cert FILE: ENOENT; tls.key FILE: EACCES`). */
export async function readTlsFiles(what: string, tls: TlsFiles): Promise<TlsPem> {
  const named: Array<[string, string]> = [
    ["cert", tls.cert],
    ["key", tls.key],
  ];
  if (tls.ca) named.push(["ca", tls.ca]);
  const names = named.map(([n]) => n);
  const files = named.map(([, f]) => f);
  const read = await Promise.allSettled(files.map((f) => readFile(f)));
  const failed = read.flatMap((r, i) =>
    r.status === "rejected"
      ? [`tls.${names[i]} ${files[i]}: ${(r.reason as NodeJS.ErrnoException).code ?? String(r.reason)}`]
      : [],
  );
  if (failed.length > 0)
    throw new Error(`${what} ${failed.join("; ")} (fix the path in the config, or the file's permissions)`);
  const value = (i: number) => (read[i] as PromiseFulfilledResult<Buffer>).value;
  return { cert: value(0), key: value(1), ca: tls.ca ? value(2) : undefined };
}
