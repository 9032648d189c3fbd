/** /alarms: every alarm with its state and reason, live. */
import { Empty, ErrorBox, Loading, StateBadge, Text } from "../components/bits";
import { Link } from "../components/link";
import { ago, formatTime } from "../format";
import { useNow } from "../live";
import { alarmOf, listOf } from "../model";
import { useResource } from "../resource";
import { ALARM_LIVE } from "./overview";

export function Alarms() {
  const res = useResource<unknown>("/alarms", ALARM_LIVE);
  const now = useNow(10_000);
  const alarms = listOf<unknown>(res.data, "alarms")
    .map(alarmOf)
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <h1>Alarms</h1>
      <ErrorBox error={res.error} />
      {res.data === undefined && !res.error && <Loading />}
      {res.data !== undefined && alarms.length === 0 && (
        <Empty>No alarms configured. Add some under `alarms:` in mamori.yaml.</Empty>
      )}
      {alarms.length > 0 && (
        <table class="table panel">
          <thead>
            <tr>
              <th scope="col">Alarm</th>
              <th scope="col">State</th>
              <th scope="col">Since</th>
              <th scope="col" class="hide-narrow">
                Reason
              </th>
            </tr>
          </thead>
          <tbody>
            {alarms.map((a) => (
              <tr key={a.name} data-alarm={a.name} data-state={a.state}>
                <td class="nowrap">
                  <Link href={`/alarms/${encodeURIComponent(a.name)}`}>
                    <Text value={a.name} />
                  </Link>
                </td>
                <td>
                  <StateBadge state={a.state} />
                </td>
                <td class="nowrap" title={formatTime(a.since)}>
                  {a.since ? ago(a.since, now) : "—"}
                </td>
                <td class="hide-narrow small">
                  <Text value={a.reason} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
