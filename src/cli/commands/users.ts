/**
 * `mamori users add|list|remove|passwd|totp`: the web UI's users (spec/web.md). Passwords are read from
 * stdin when it is not a terminal (`echo "$PW" | mamori users add ana --role admin`), else prompted twice
 * without echo. Stored as scrypt hashes; a changed password or role ends the user's sessions.
 */
import type { Command } from "commander";
import { hashPassword, passwordProblem } from "../../api/password.js";
import { newTotpSecret, otpauthUri } from "../../api/totp.js";
import { systemClock } from "../../core/clock.js";
import { UsageError } from "../../core/errors.js";
import { isoTime, printable } from "../printable.js";
import { readSecret } from "../secret-input.js";
import { withStore } from "../store-access.js";

interface Common {
  config?: string;
  dataDir?: string;
}

const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

function withCommon(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file (default ./mamori.yaml, else the built-in default)")
    .option("--data-dir <dir>", "use this data directory instead of the config's");
}

export function parseRole(role: string | undefined): "admin" | "viewer" {
  if (role === "admin" || role === "viewer") return role;
  throw new UsageError(`--role must be admin or viewer, not "${role ?? ""}"`);
}

async function newPassword(): Promise<string> {
  const pw = await readSecret("Password: ", { confirm: "Password again: " });
  const problem = passwordProblem(pw);
  if (problem) throw new UsageError(problem);
  return pw;
}

export function registerUsers(program: Command): void {
  const users = program.command("users").description("web UI users: add, list, remove, passwd, totp");

  withCommon(users.command("add").description("add a user (password from stdin when not a terminal)"))
    .argument("<name>", "user name (letters, digits, _ . @ -)")
    .requiredOption("--role <role>", "admin or viewer")
    .option("--totp", "turn on the second factor: prints the otpauth:// URI for an authenticator app")
    .action(async (name: string, o: Common & { role: string; totp?: boolean }) => {
      if (!USER_NAME.test(name))
        throw new UsageError(
          `user name "${printable(name)}": use 1-64 letters, digits, '_', '.', '@' or '-'`,
        );
      const role = parseRole(o.role);
      const password = await newPassword();
      await withStore(o, async (store) => {
        const now = systemClock.now();
        const totpSecret = o.totp ? newTotpSecret() : null;
        const added = await store.users.add({
          name,
          role,
          passwordHash: await hashPassword(password),
          totpSecret,
          createdAt: now,
          updatedAt: now,
        });
        if (!added)
          throw new UsageError(
            `user "${name}" exists already; use \`mamori users passwd ${name}\` to change the password`,
          );
        process.stdout.write(`added ${role} ${name}\n`);
        if (totpSecret)
          process.stdout.write(`TOTP secret (shown once): ${totpSecret}\n${otpauthUri(name, totpSecret)}\n`);
      });
    });

  withCommon(users.command("list").description("the users and their roles"))
    .option("--json", "JSON lines")
    .action(async (o: Common & { json?: boolean }) => {
      await withStore(o, async (store) => {
        const list = await store.users.list();
        for (const u of list) {
          const row = {
            name: u.name,
            role: u.role,
            totp: u.totpSecret !== null,
            created: isoTime(u.createdAt),
          };
          process.stdout.write(
            o.json
              ? `${JSON.stringify(row)}\n`
              : `${printable(u.name).padEnd(24)} ${u.role.padEnd(7)} ${row.totp ? "totp" : "    "} ${row.created}\n`,
          );
        }
        if (list.length === 0 && !o.json)
          process.stdout.write(
            "no users (mamori serve logs a setup link, or: mamori users add NAME --role admin)\n",
          );
      });
    });

  withCommon(users.command("remove").alias("rm").description("remove a user (their sessions and tokens end)"))
    .argument("<name>", "user name")
    .action(async (name: string, o: Common) => {
      await withStore(o, async (store) => {
        if (!(await store.users.remove(name)))
          throw new UsageError(`no user "${printable(name)}" (mamori users list)`);
        process.stdout.write(`removed ${name}\n`);
      });
    });

  withCommon(users.command("passwd").description("set a user's password (from stdin when not a terminal)"))
    .argument("<name>", "user name")
    .option("--role <role>", "also change the role")
    .action(async (name: string, o: Common & { role?: string }) => {
      const role = o.role === undefined ? undefined : parseRole(o.role);
      await withStore(o, async (store) => {
        if (!(await store.users.get(name)))
          throw new UsageError(`no user "${printable(name)}" (mamori users list)`);
        const passwordHash = await hashPassword(await newPassword());
        await store.users.update(name, { passwordHash, ...(role ? { role } : {}) }, systemClock.now());
        process.stdout.write(`password of ${name} changed; their sessions ended\n`);
      });
    });

  withCommon(users.command("totp").description("turn a user's second factor on (new secret) or off"))
    .argument("<name>", "user name")
    .option("--off", "turn it off")
    .action(async (name: string, o: Common & { off?: boolean }) => {
      await withStore(o, async (store) => {
        if (!(await store.users.get(name)))
          throw new UsageError(`no user "${printable(name)}" (mamori users list)`);
        const secret = o.off ? null : newTotpSecret();
        await store.users.update(name, { totpSecret: secret }, systemClock.now());
        if (secret)
          process.stdout.write(
            `TOTP secret of ${name} (shown once): ${secret}\n${otpauthUri(name, secret)}\n`,
          );
        else process.stdout.write(`TOTP off for ${name}\n`);
      });
    });
}
