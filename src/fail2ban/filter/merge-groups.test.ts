/**
 * The generated merge of a failregex's groups over the prefregex's (F2bRegex.groupsOver) gives what
 * fail2ban's `preGroups.copy(); update(getGroups())` gives: the same keys in the same order, with the same
 * values, absent and None (undefined) told apart; alt_ and tuple_ groups included.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { F2bRegex, type Fail } from "./regex.js";

const at = (text: string) => ({ text, file: "<test>", line: 1, col: 1 });
const opts = (kind: string) => ({ multiline: false, useDns: "yes", kind });

/** Entries with undefined shown, so that an absent key and a key set to undefined differ. */
function shown(o: Fail): string {
  return JSON.stringify(Object.entries(o).map(([k, v]) => [k, v === undefined ? "<undefined>" : v]));
}

test("groupsOver = fail2ban's preGroups.copy(); update(getGroups()), alt_ and tuple_ groups too", () => {
  const pre = new F2bRegex(
    at(
      String.raw`^<F-MLFID>\S+ \S+?(?:\[\d+\])?:</F-MLFID>(?: <F-USER>u=\S+</F-USER>)? <F-CONTENT>.+</F-CONTENT>$`,
    ),
    opts("prefregex"),
  );
  const fails = [
    String.raw`^Failed for <F-USER>\S+</F-USER> from <HOST>$`,
    String.raw`^ruser=<F-ALT_USER>\S*</F-ALT_USER> rhost=<HOST>(?: user=<F-USER>\S*</F-USER>)?$`,
    String.raw`^login (?:<F-ALT_USER1>\S+</F-ALT_USER1>|-) as (?:<F-ALT_USER2>\S+</F-ALT_USER2>|-) from <HOST>$`,
    String.raw`^pair <F-TUPLE_PORT>\d+</F-TUPLE_PORT>(?: <F-TUPLE_PORT_2>\d+</F-TUPLE_PORT_2>)? from <HOST>$`,
    String.raw`^mlf <F-MLFID>\S+</F-MLFID>(?: <F-NOFAIL>nofail</F-NOFAIL>)? from <HOST>$`,
  ].map((r) => new F2bRegex(at(r), opts("failregex")));
  const lines = [
    "host sshd[1]: Failed for root from 192.0.2.1",
    "host sshd[1]: u=pre Failed for root from 192.0.2.1",
    "host sshd[2]: ruser=alice rhost=192.0.2.2 user=bob",
    "host sshd[2]: ruser=alice rhost=192.0.2.2 user=",
    "host sshd[2]: ruser= rhost=192.0.2.2",
    "host sshd[2]: u=pre ruser=alice rhost=192.0.2.2",
    "host sshd[3]: login - as carol from 192.0.2.3",
    "host sshd[3]: login dave as carol from 192.0.2.3",
    "host sshd[3]: u=pre login - as - from 192.0.2.3",
    "host x: pair 22 from 192.0.2.4",
    "host x: u=pre pair 22 2222 from 192.0.2.4",
    "host sshd[5]: mlf own-id nofail from 192.0.2.5",
    "host sshd[5]: mlf own-id from 192.0.2.5",
  ];
  const keys = pre.dictKeys("content");
  assert.deepEqual(keys, ["mlfid", "user"]);
  let compared = 0;
  for (const line of lines) {
    assert.ok(pre.search(`${line}\n`, []), line);
    const preGroups = pre.groups("content");
    const content = pre.group("content") as string;
    for (const fr of fails) {
      if (!fr.search(content, [])) continue;
      const want: Fail = { ...preGroups };
      Object.assign(want, fr.groups());
      assert.equal(shown(fr.groupsOver(preGroups, keys as readonly string[])), shown(want), line);
      compared++;
    }
  }
  assert.equal(compared, lines.length, "every line is matched by one failregex");
});

test("dictKeys: none for a regex whose alt_ groups may add keys; a group named __proto__ stays a key", () => {
  const alt = new F2bRegex(at(String.raw`^x <F-ALT_USER>\S+</F-ALT_USER> <HOST>$`), opts("failregex"));
  assert.equal(alt.dictKeys(), undefined);
  const pre = new F2bRegex(at(String.raw`^(?P<__proto__>\w+) <F-CONTENT>.+</F-CONTENT>$`), opts("prefregex"));
  const fr = new F2bRegex(at(String.raw`^from <HOST>$`), opts("failregex"));
  assert.ok(pre.search("evil from 192.0.2.9\n", []));
  assert.ok(fr.search(pre.group("content") as string, []));
  const merged = fr.groupsOver(pre.groups("content"), pre.dictKeys("content") as readonly string[]);
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  assert.ok(Object.hasOwn(merged, "__proto__"));
});
