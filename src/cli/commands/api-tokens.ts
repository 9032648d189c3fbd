/**
 * `mamori api-tokens create|list|revoke`: tokens for scripts (`Authorization: Bearer mmr_...`). The token
 * is printed once; the store keeps only its id and a hash of its secret.
 */
import type { Command } from "commander";
import { newApiToken, sha256 } from "../../api/secrets.js";
import { systemClock } from "../../core/clock.js";
import { parseDuration } from "../../core/duration.js";
import { errorMessage, UsageError } from "../../core/errors.js";
import { isoTime } from "../printable.js";
import { withStore } from "../store-access.js";
import { parseRole } from "./users.js";

interface Common {
  config?: string;
  dataDir?: string;
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file (default ./mamori.yaml, else the built-in default)")
    .option("--data-dir <dir>", "use this data directory instead of the config's");
}

export function registerApiTokens(program: Command): void {
  const tokens = program.command("api-tokens").description("API tokens for scripts: create, list, revoke");

  withCommon(tokens.command("create").description("create a token (printed once)"))
    .requiredOption("--role <role>", "viewer or admin")
    .option("--ttl <duration>", "expires after this long (30d, 12h); default never")
    .option("--json", 'print {"id","token","role","expires"}')
    .action(async (o: Common & { role: string; ttl?: string; json?: boolean }) => {
      const role = parseRole(o.role);
      let ttl: number | undefined;
      if (o.ttl !== undefined) {
        try {
          ttl = parseDuration(o.ttl);
        } catch (err) {
          throw new UsageError(`--ttl: ${errorMessage(err)}`);
        }
        if (ttl <= 0) throw new UsageError("--ttl must be positive");
      }
      await withStore(o, async (store) => {
        const now = systemClock.now();
        const t = newApiToken();
        const expiresAt = ttl === undefined ? null : now + ttl * 1000;
        await store.users.putToken({
          id: t.id,
          hash: sha256(t.secret),
          role,
          createdBy: "cli",
          createdAt: now,
          expiresAt,
          lastUsedAt: null,
        });
        const expires = expiresAt === null ? null : isoTime(expiresAt);
        if (o.json) process.stdout.write(`${JSON.stringify({ id: t.id, token: t.token, role, expires })}\n`);
        else
          process.stdout.write(
            `${t.token}\n(id ${t.id}, ${role}, ${expires ? `expires ${expires}` : "never expires"}; shown once: store it now)\n`,
          );
      });
    });

  withCommon(tokens.command("list").description("tokens (ids, never the secrets)"))
    .option("--json", "JSON lines")
    .action(async (o: Common & { json?: boolean }) => {
      await withStore(o, async (store) => {
        const list = await store.users.tokens();
        for (const t of list) {
          const row = {
            id: t.id,
            role: t.role,
            created: isoTime(t.createdAt),
            expires: t.expiresAt === null ? null : isoTime(t.expiresAt),
            lastUsed: t.lastUsedAt === null ? null : isoTime(t.lastUsedAt),
          };
          process.stdout.write(
            o.json
              ? `${JSON.stringify(row)}\n`
              : `${t.id}  ${t.role.padEnd(6)}  created ${row.created}  ${row.expires ? `expires ${row.expires}` : "no expiry"}  ${row.lastUsed ? `used ${row.lastUsed}` : "never used"}\n`,
          );
        }
        if (list.length === 0 && !o.json) process.stdout.write("no API tokens\n");
      });
    });

  withCommon(tokens.command("revoke").description("revoke a token by id"))
    .argument("<id>", "the id from `api-tokens list`")
    .action(async (id: string, o: Common) => {
      await withStore(o, async (store) => {
        if (!(await store.users.revokeToken(id)))
          throw new UsageError(`no API token with id "${id}" (mamori api-tokens list)`);
        process.stdout.write(`revoked ${id}\n`);
      });
    });
}
