/** /login: user name and password (and a TOTP code when the account has one). */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api";
import { ErrorBox } from "../components/bits";
import { navigate } from "../router";

/** Only a path of this UI is a place to go back to after signing in (never another origin). */
function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

export function Login(props: { next: string | null; onLogin(): void; notice?: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", "/session", { username, password, ...(totp ? { totp } : {}) });
      props.onLogin();
      navigate(safeNext(props.next), true);
    } catch (err) {
      if (err instanceof ApiError && /totp/i.test(err.code + err.message)) setNeedTotp(true);
      setError(err as Error);
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="auth" id="main">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">
          <img src="/favicon.svg" alt="" width={28} height={28} /> Sign in to mamori
        </h1>
        {props.notice && <p class="notice">{props.notice}</p>}
        <label>
          User name
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {needTotp && (
          <label>
            One-time code
            <input
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={totp}
              onInput={(e) => setTotp(e.currentTarget.value)}
            />
          </label>
        )}
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
