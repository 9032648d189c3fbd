/** dry-run: records what it would do and logs it; touches nothing. The default until a user opts in. */
import { requireTarget } from "../target.js";
import type { ActionOptions, ActionReport, BanAction, BanInfo, UnbanInfo } from "../types.js";

export interface DryRunRecord {
  op: "ban" | "unban";
  target: string;
  jail: string;
  bantime?: number;
  failures?: number;
}

export class DryRunAction implements BanAction {
  readonly name = "dry-run";
  /** every call, in order (bounded) */
  readonly records: DryRunRecord[] = [];
  private readonly banned = new Set<string>();

  constructor(private readonly o: ActionOptions) {}

  async start(): Promise<void> {}

  async ban(target: string, info: BanInfo): Promise<void> {
    const t = requireTarget(target).text;
    this.record({ op: "ban", target: t, jail: info.jail, bantime: info.bantime, failures: info.failures });
    this.banned.add(t);
    this.o.log.info(
      { jail: info.jail, ip: t, bantime: info.bantime, failures: info.failures },
      "dry-run: would ban %s",
      t,
    );
  }

  async unban(target: string, _info?: UnbanInfo): Promise<void> {
    const t = requireTarget(target).text;
    this.record({ op: "unban", target: t, jail: this.o.jail.name });
    this.banned.delete(t);
    this.o.log.info({ jail: this.o.jail.name, ip: t }, "dry-run: would unban %s", t);
  }

  async check(): Promise<ActionReport> {
    return { ok: true, banned: [...this.banned], detail: "dry-run: nothing is blocked" };
  }

  async stop(): Promise<void> {}

  private record(r: DryRunRecord): void {
    if (this.records.length >= 10_000) this.records.shift();
    this.records.push(r);
  }
}

export const dryRun = (o: ActionOptions): BanAction => new DryRunAction(o);
