/** Reads a secret: all of stdin when it is not a terminal (scripts pipe it), else a prompt without echo. */
import readline from "node:readline";
import { Writable } from "node:stream";
import { UsageError } from "../core/errors.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  // one trailing newline is the pipe's, not the password's
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function prompt(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

export async function readSecret(question: string, o: { confirm?: string } = {}): Promise<string> {
  if (!process.stdin.isTTY) {
    const s = await readStdin();
    if (s === "") throw new UsageError("no password on stdin (pipe it in, or run in a terminal to be asked)");
    return s;
  }
  const first = await prompt(question);
  if (o.confirm !== undefined && (await prompt(o.confirm)) !== first)
    throw new UsageError("the two passwords differ");
  return first;
}
