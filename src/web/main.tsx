/** The UI's entry: which page an address shows, and whether someone is signed in. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, setCsrfToken, setRole } from "./api";
import { Loading } from "./components/bits";
import { type Me, Shell } from "./components/shell";
import { disconnect } from "./live";
import { Agents } from "./pages/agents";
import { AlarmDetail } from "./pages/alarm";
import { Alarms } from "./pages/alarms";
import { Bans } from "./pages/bans";
import { Host } from "./pages/host";
import { Login } from "./pages/login";
import type { Logs as LogsPage } from "./pages/logs";
import { Overview } from "./pages/overview";
import { navigate, type Route, useRoute } from "./router";
import "./style.css";

/** GET /api/v1/session: {user, role, via, csrfToken}. */
function meOf(raw: unknown): Me {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o.csrfToken === "string") setCsrfToken(o.csrfToken);
  setRole(String(o.role ?? ""));
  return { username: String(o.user ?? ""), role: String(o.role ?? "") };
}

let logsLoading: Promise<typeof LogsPage> | undefined;

/** The logs page brings the filter-pattern parser: it loads when first opened, not with the overview. */
function Logs({ route }: { route: Route }) {
  const [Page, setPage] = useState<typeof LogsPage | undefined>(undefined);
  useEffect(() => {
    logsLoading ??= import("./pages/logs").then((m) => m.Logs);
    void logsLoading.then((p) => setPage(() => p));
  }, []);
  return Page ? <Page route={route} /> : <Loading />;
}

function Page({ route }: { route: Route }) {
  const p = route.path.replace(/\/+$/, "") || "/";
  if (p === "/") return <Overview />;
  if (p === "/logs") return <Logs route={route} />;
  if (p === "/alarms") return <Alarms />;
  if (p.startsWith("/alarms/")) return <AlarmDetail name={decodeURIComponent(p.slice("/alarms/".length))} />;
  if (p === "/bans") return <Bans />;
  if (p === "/host") return <Host />;
  if (p === "/agents") return <Agents />;
  return (
    <>
      <h1>Not found</h1>
      <p>There is no page at this address.</p>
    </>
  );
}

const TITLES: Array<[RegExp, string]> = [
  [/^\/$/, "Overview"],
  [/^\/logs/, "Logs"],
  [/^\/alarms\/./, "Alarm"],
  [/^\/alarms/, "Alarms"],
  [/^\/bans/, "Bans"],
  [/^\/host/, "Host checks"],
  [/^\/agents/, "Agents"],
  [/^\/login/, "Sign in"],
];

function App() {
  const route = useRoute();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [epoch, setEpoch] = useState(0);
  const isPublic = route.path === "/login";

  useEffect(() => {
    const t = TITLES.find(([re]) => re.test(route.path))?.[1];
    document.title = t ? `${t} · mamori` : "mamori";
  }, [route.path]);

  useEffect(() => {
    get<unknown>("/session").then(
      (m) => setMe(meOf(m)),
      () => setMe(null),
    );
  }, [epoch]);

  useEffect(() => {
    if (me === null && !isPublic)
      navigate(`/login?next=${encodeURIComponent(route.path + location.search)}`, true);
  }, [me, isPublic]);

  const signedIn = () => {
    setMe(undefined);
    setEpoch((e) => e + 1);
  };
  if (route.path === "/login") return <Login next={route.query.get("next")} onLogin={signedIn} />;
  if (!me) return <Loading />;
  return (
    <Shell
      path={route.path}
      me={me}
      onLogout={() => {
        disconnect();
        setMe(null);
      }}
    >
      <Page route={route} />
    </Shell>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
