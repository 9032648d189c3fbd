/** Small pieces every page uses: untrusted text, state badges, panels, errors and empty states. */
import type { ComponentChildren } from "preact";
import { visible } from "../format";

/** Attacker-controlled text (log lines, user names, paths): a text node, invisible controls made visible. */
export function Text({ value, class: cls }: { value: unknown; class?: string }) {
  const s = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  return <span class={cls ? `untrusted ${cls}` : "untrusted"}>{visible(s)}</span>;
}

const STATE_CLASS: Record<string, string> = {
  ALARM: "bad",
  OK: "good",
  INSUFFICIENT_DATA: "unknown",
  // fleet agents
  active: "good",
  disconnected: "bad",
  revoked: "bad",
  never_connected: "unknown",
};

export function StateBadge({ state }: { state: string }) {
  return (
    <span class={`badge ${STATE_CLASS[state] ?? "unknown"}`} data-state={state}>
      {state === "INSUFFICIENT_DATA" ? "NO DATA" : state.replace("_", " ")}
    </span>
  );
}

export function Panel(props: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  id?: string;
}) {
  const headingId = props.id ? `${props.id}-title` : undefined;
  return (
    <section class="panel" id={props.id} aria-labelledby={headingId}>
      <header>
        <h2 id={headingId}>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      <Text value={error.message} />
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Loading() {
  return <p class="empty">Loading…</p>;
}
