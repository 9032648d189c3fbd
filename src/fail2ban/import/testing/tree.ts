/**
 * Test helper: a fail2ban config tree written at run time into a temp folder, with `filter.d` pointing
 * at the installed Debian filters (/etc/fail2ban/filter.d), so no fail2ban file is copied into the repo.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const INSTALLED_FILTERS = "/etc/fail2ban/filter.d";

export interface Fail2banTree {
  dir: string;
  /** writes (or replaces) a file of the tree; `{dir}` in the text becomes the tree's folder */
  write(name: string, text: string): void;
  remove(): void;
}

export function fail2banTree(files: Record<string, string>): Fail2banTree {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-f2b-"));
  fs.symlinkSync(INSTALLED_FILTERS, path.join(dir, "filter.d"));
  const tree: Fail2banTree = {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text.replaceAll("{dir}", dir));
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const [name, text] of Object.entries(files)) tree.write(name, text);
  return tree;
}

/** A jail.conf shaped like Debian's: the same [DEFAULT] helpers and action shortcuts. */
export const STOCK_DEFAULTS = `[INCLUDES]
before = paths-test.conf

[DEFAULT]
ignorecommand =
bantime  = 10m
findtime  = 10m
maxretry = 5
maxmatches = %(maxretry)s
backend = auto
usedns = warn
logencoding = auto
enabled = false
mode = normal
filter = %(__name__)s[mode=%(mode)s]
destemail = root@localhost
sender = root@<fq-hostname>
mta = sendmail
protocol = tcp
chain = <known/chain>
port = 0:65535
banaction = iptables-multiport
banaction_allports = iptables-allports
action_ = %(banaction)s[port="%(port)s", protocol="%(protocol)s", chain="%(chain)s"]
action_mw = %(action_)s
            %(mta)s-whois[sender="%(sender)s", dest="%(destemail)s", protocol="%(protocol)s", chain="%(chain)s"]
action_mwl = %(action_)s
             %(mta)s-whois-lines[sender="%(sender)s", dest="%(destemail)s", logpath="%(logpath)s", chain="%(chain)s"]
action = %(action_)s
`;

export const PATHS_TEST = `[DEFAULT]
sshd_log = {dir}/log/auth.log
sshd_backend = %(default/backend)s
nginx_error_log = {dir}/log/nginx/*error.log
`;
