/** /setup?token=…: the one-time link the daemon logs on first start creates the first admin. */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorBox } from "../components/bits";
import { navigate } from "../router";

export function Setup(props: { token: string | null; onLogin(): void }) {
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  if (!props.token) {
    return (
      <main class="auth" id="main">
        <div class="card">
          <h1>Set up mamori</h1>
          <p>
            This page needs the one-time setup link the daemon printed when it started with no user (look for{" "}
            <code>setup?token=</code> in its log), or create a user with <code>mamori users add NAME --role admin</code>.
          </p>
        </div>
      </main>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    if (password !== confirm) {
      setError(new Error("The two passwords differ: type the same password twice."));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", "/setup", { token: props.token, username, password });
      props.onLogin();
      navigate("/", true);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="auth" id="main">
      <form class="card" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">
          <img src="/favicon.svg" alt="" width={28} height={28} /> Create the first admin
        </h1>
        <p class="muted">This link works once. The account you create here can add other users.</p>
        <label>
          User name
          <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          Password <span class="muted">(at least 12 characters)</span>
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <label>
          Password again
          <input
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onInput={(e) => setConfirm(e.currentTarget.value)}
          />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : "Create admin and sign in"}
        </button>
      </form>
    </main>
  );
}
