/** The frame around every signed-in page: the navigation, who is signed in, whether live updates flow. */
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { api } from "../api";
import { disconnect, useLiveStatus } from "../live";
import { navigate } from "../router";
import { Text } from "./bits";
import { Link } from "./link";

export interface Me {
  username: string;
  role: string;
}

const NAV: Array<[string, string]> = [
  ["/", "Overview"],
  ["/logs", "Logs"],
  ["/alarms", "Alarms"],
  ["/bans", "Bans"],
  ["/host", "Host"],
  ["/agents", "Agents"],
];

function isCurrent(path: string, item: string): boolean {
  return item === "/" ? path === "/" : path === item || path.startsWith(`${item}/`);
}

/** Marks the first time something rendered, for the time-to-first-render figure (bench/web.ts). */
export function markOnce(name: string): void {
  if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
}

export function Shell(props: { path: string; me: Me; children: ComponentChildren; onLogout(): void }) {
  const live = useLiveStatus();
  useEffect(() => markOnce("mamori:frame"), []);
  const logout = async () => {
    try {
      await api("DELETE", "/session");
    } finally {
      disconnect();
      props.onLogout();
      navigate("/login", true);
    }
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand" aria-label="mamori overview">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          <span>mamori</span>
        </Link>
        <nav aria-label="Pages">
          {NAV.map(([href, label]) => (
            <Link key={href} href={href} aria-current={isCurrent(props.path, href) ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <div class="who">
          <span class={`live ${live}`} title={`live updates: ${live}`} data-live={live}>
            <span class="dot" aria-hidden="true" />
            <span class="live-label">{live}</span>
          </span>
          <span class="user" title={`role: ${props.me.role}`}>
            <Text value={props.me.username} />
          </span>
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
