/**
 * exec: runs the jail's own commands (`exec: {ban: [...], unban: [...], check: [...]}`) as argv arrays,
 * never through a shell. {ip}, {jail}, {failures} and {bantime} are replaced inside each argument;
 * whatever the values contain stays inside that one argument.
 */
import { type CommandRunner, execRunner, runChecked } from "../runner.js";
import { requireTarget } from "../target.js";
import { ActionError, type ActionOptions, type BanAction, type BanInfo, type UnbanInfo } from "../types.js";

export interface ExecValues {
  ip: string;
  jail: string;
  failures: string;
  bantime: string;
}

const PLACEHOLDER = /\{(ip|jail|failures|bantime)\}/g;

/** Each argument with its placeholders replaced; one argument in, one argument out. */
export function substituteArgv(argv: readonly string[], values: ExecValues): string[] {
  return argv.map((arg) => arg.replace(PLACEHOLDER, (_, k: keyof ExecValues) => values[k]));
}

export class ExecAction implements BanAction {
  readonly name = "exec";
  private readonly runner: CommandRunner;
  private readonly commands: { ban: string[]; unban?: string[]; check?: string[] };

  constructor(private readonly o: ActionOptions) {
    if (!o.jail.exec)
      throw new ActionError(
        `jail ${o.jail.name}: action exec needs an "exec" key with the commands, e.g. exec: {ban: ["/usr/local/bin/block", "{ip}"], unban: ["/usr/local/bin/unblock", "{ip}"]}`,
      );
    this.commands = o.jail.exec;
    this.runner = o.runner ?? execRunner({ netns: o.netns });
  }

  async start(): Promise<void> {}

  async ban(target: string, info: BanInfo): Promise<void> {
    const t = requireTarget(target);
    const argv = substituteArgv(this.commands.ban, {
      ip: t.text,
      jail: this.o.jail.name,
      failures: String(info.failures),
      bantime: String(Math.round(info.bantime)),
    });
    await runChecked(this.runner, argv);
  }

  async unban(target: string, _info?: UnbanInfo): Promise<void> {
    const t = requireTarget(target);
    if (!this.commands.unban) return;
    await runChecked(
      this.runner,
      substituteArgv(this.commands.unban, {
        ip: t.text,
        jail: this.o.jail.name,
        failures: "0",
        bantime: "0",
      }),
    );
  }

  async check(): Promise<boolean> {
    if (!this.commands.check) return true;
    const argv = substituteArgv(this.commands.check, {
      ip: "",
      jail: this.o.jail.name,
      failures: "0",
      bantime: "0",
    });
    return (await this.runner.run(argv)).code === 0;
  }

  async stop(): Promise<void> {}
}

export const exec = (o: ActionOptions): BanAction => new ExecAction(o);
