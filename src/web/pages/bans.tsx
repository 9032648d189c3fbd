/** /bans: per-jail counters, active bans with the time left, unban, and a manual ban (admins). */
import { useState } from "preact/hooks";
import { api, isAdmin } from "../api";
import { Empty, ErrorBox, Loading, Panel, Text } from "../components/bits";
import { Link } from "../components/link";
import { compact, formatDuration, formatTime } from "../format";
import { useNow } from "../live";
import { type BanView, banOf, jailOf, listOf } from "../model";
import { useResource } from "../resource";
import { href } from "../router";
import { BAN_LIVE } from "./overview";

function Jails() {
  const res = useResource<unknown>("/jails", BAN_LIVE);
  const jails = listOf<unknown>(res.data, "jails").map(jailOf);
  return (
    <Panel title="Jails" id="jails">
      <ErrorBox error={res.error} />
      {res.data === undefined && !res.error && <Loading />}
      {res.data !== undefined && jails.length === 0 && <Empty>No jails configured.</Empty>}
      <ul class="jail-grid">
        {jails.map((j) => (
          <li key={j.name} class="jail" data-jail={j.name}>
            <h3>
              <Text value={j.name} />
            </h3>
            <dl>
              <div>
                <dt>banned now</dt>
                <dd data-counter="currently-banned">{compact(j.currentlyBanned)}</dd>
              </div>
              <div>
                <dt>bans ever</dt>
                <dd>{compact(j.totalBanned)}</dd>
              </div>
              <div>
                <dt>failing now</dt>
                <dd>{compact(j.currentlyFailed)}</dd>
              </div>
              <div>
                <dt>failures ever</dt>
                <dd>{compact(j.totalFailed)}</dd>
              </div>
            </dl>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function BanRow({ b, now, onUnban }: { b: BanView; now: number; onUnban(b: BanView): void }) {
  const left = b.end === null ? "forever" : b.end <= now ? "expiring" : formatDuration(b.end - now);
  return (
    <tr data-ban={`${b.jail}/${b.ip}`}>
      <td class="mono">
        <Link href={href("/logs", { group: "mamori/bans", pattern: `{ $.ip = "${b.ip}" }`, range: "7d" })}>
          <Text value={b.ip} />
        </Link>
      </td>
      <td>
        <Text value={b.jail} />
      </td>
      <td class="hide-narrow" title={formatTime(b.start)}>
        {formatTime(b.start)}
      </td>
      <td data-time-left>{b.state === "pending-unban" ? "unban pending" : left}</td>
      <td class="num hide-narrow">{b.failures}</td>
      <td>
        {isAdmin() && (
          <button
            type="button"
            class="danger small"
            onClick={() => onUnban(b)}
            aria-label={`Unban ${b.ip} from ${b.jail}`}
          >
            Unban
          </button>
        )}
      </td>
    </tr>
  );
}

function ActiveBans() {
  const res = useResource<unknown>("/bans", BAN_LIVE);
  const now = useNow(1000);
  const [error, setError] = useState<Error | undefined>(undefined);
  const bans = listOf<unknown>(res.data, "bans")
    .map(banOf)
    .sort((a, b) => b.start - a.start);
  const unban = async (b: BanView) => {
    setError(undefined);
    try {
      await api("DELETE", `/bans/${encodeURIComponent(b.jail)}/${encodeURIComponent(b.ip)}`);
      res.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <Panel title="Active bans" id="active-bans" actions={<span class="count">{bans.length}</span>}>
      <ErrorBox error={res.error ?? error} />
      {res.data === undefined && !res.error && <Loading />}
      {res.data !== undefined && bans.length === 0 && <Empty>No address is banned.</Empty>}
      {bans.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Jail</th>
              <th scope="col" class="hide-narrow">
                Banned at
              </th>
              <th scope="col">Time left</th>
              <th scope="col" class="num hide-narrow">
                Failures
              </th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {bans.map((b) => (
              <BanRow key={`${b.jail}/${b.ip}`} b={b} now={now} onUnban={unban} />
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function ManualBan() {
  const jails = useResource<unknown>("/jails");
  const names = listOf<unknown>(jails.data, "jails").map((j) => jailOf(j).name);
  const [jail, setJail] = useState("");
  const [ip, setIp] = useState("");
  const [duration, setDuration] = useState("1h");
  const [error, setError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setDone("");
    try {
      await api("POST", "/bans", {
        jail: jail || names[0],
        ip: ip.trim(),
        duration: duration === "-1" ? -1 : duration,
      });
      setDone(`Banned ${ip.trim()}.`);
      setIp("");
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <Panel title="Ban an address" id="manual-ban">
      <form class="inline-form" onSubmit={submit} aria-label="Ban an address">
        <label>
          Jail
          <select name="jail" value={jail || names[0]} onChange={(e) => setJail(e.currentTarget.value)}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Address or prefix
          <input
            name="ip"
            class="mono"
            required
            placeholder="203.0.113.9 or 2001:db8::/64"
            value={ip}
            onInput={(e) => setIp(e.currentTarget.value)}
          />
        </label>
        <label>
          For
          <select name="duration" value={duration} onChange={(e) => setDuration(e.currentTarget.value)}>
            <option value="10m">10 minutes</option>
            <option value="1h">1 hour</option>
            <option value="1d">1 day</option>
            <option value="1w">1 week</option>
            <option value="-1">forever</option>
          </select>
        </label>
        <button type="submit" class="primary" disabled={names.length === 0}>
          Ban
        </button>
      </form>
      <ErrorBox error={error} />
      {done && (
        <p class="good-text" role="status">
          {done}
        </p>
      )}
    </Panel>
  );
}

export function Bans() {
  return (
    <>
      <h1>Jails and bans</h1>
      <div class="grid">
        <Jails />
        <ActiveBans />
        {isAdmin() && <ManualBan />}
      </div>
    </>
  );
}
