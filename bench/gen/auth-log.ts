/**
 * Deterministic /var/log/auth.log lines for benchmarks and tests: sshd, pam_unix, sudo and CRON
 * traffic in syslog format, about 10% of it failed logins from a small pool of attacker addresses
 * (IPv4 and IPv6). The failure lines are the shapes fail2ban's sshd filter (mode normal) matches.
 */

/** A seeded PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks one element with the given PRNG. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

export const ATTACKER_IPS: readonly string[] = [
  "203.0.113.5",
  "203.0.113.77",
  "198.51.100.23",
  "192.0.2.144",
  "45.33.12.9",
  "185.220.101.4",
  "2001:db8::dead:beef",
  "2001:db8:85a3::8a2e:370:7334",
];
const CLIENT_IPS = ["10.0.0.167", "10.0.0.12", "10.0.1.40", "192.168.1.20", "fd00::1:2"];
const HOSTS = ["ip-10-0-0-169", "web-1", "bastion"];
const USERS = ["ubuntu", "deploy", "alice", "bob"];
const GUESSED_USERS = ["admin", "test", "oracle", "postgres", "guest", "user", "pi", "ftpuser"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Nov 25 08:21:45" (day space-padded, as syslog writes it) for seconds since Jan 1 00:00 (non-leap). */
function syslogTime(secondsOfYear: number): string {
  const dayOfYear = Math.floor(secondsOfYear / 86400) % 365;
  const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  let month = 0;
  let day = dayOfYear;
  while (day >= monthDays[month]) day -= monthDays[month++];
  const s = secondsOfYear % 86400;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[month]} ${String(day + 1).padStart(2, " ")} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

function failureMessage(rand: () => number, ip: string, port: number): string {
  const user = pick(rand, GUESSED_USERS);
  switch (Math.floor(rand() * 4)) {
    case 0:
      return `Failed password for invalid user ${user} from ${ip} port ${port} ssh2`;
    case 1:
      return `Failed password for root from ${ip} port ${port} ssh2`;
    case 2:
      return `Invalid user ${user} from ${ip} port ${port}`;
    default:
      return `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=root`;
  }
}

function normalLine(rand: () => number, pid: number, host: string, time: string): string {
  const ip = pick(rand, CLIENT_IPS);
  const user = pick(rand, USERS);
  const port = 1024 + Math.floor(rand() * 64000);
  const sshd = `${time} ${host} sshd[${pid}]:`;
  switch (Math.floor(rand() * 8)) {
    case 0:
      return `${sshd} Connection closed by ${ip} port ${port} [preauth]`;
    case 1:
      return `${sshd} Accepted publickey for ${user} from ${ip} port ${port} ssh2: ED25519 SHA256:Xk2pWbq3rTzY0v8aQe1nU4mC7hL5sJ9dF6gR2tB0oPc`;
    case 2:
      return `${sshd} pam_unix(sshd:session): session opened for user ${user}(uid=1000) by (uid=0)`;
    case 3:
      return `${sshd} Received disconnect from ${ip} port ${port}:11: disconnected by user`;
    case 4:
      return `${sshd} pam_unix(sshd:session): session closed for user ${user}`;
    case 5:
      return `${time} ${host} sudo:   ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`;
    case 6:
      return `${time} ${host} sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=1000)`;
    default:
      return `${time} ${host} CRON[${pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`;
  }
}

/** n auth.log lines starting Nov 25 08:00:00, one to three seconds apart; same seed, same lines. */
export function* authLogLines(n: number, seed = 1): Generator<string> {
  const rand = seededRandom(seed);
  let seconds = 328 * 86400 + 8 * 3600; // Nov 25 08:00:00
  let pid = 20000;
  for (let i = 0; i < n; i++) {
    seconds += Math.floor(rand() * 3);
    pid = pid >= 99990 ? 20000 : pid + 1 + Math.floor(rand() * 7);
    const time = syslogTime(seconds);
    const host = HOSTS[0];
    if (rand() < 0.1) {
      const ip = pick(rand, ATTACKER_IPS);
      const port = 1024 + Math.floor(rand() * 64000);
      yield `${time} ${host} sshd[${pid}]: ${failureMessage(rand, ip, port)}`;
    } else {
      yield normalLine(rand, pid, rand() < 0.8 ? host : pick(rand, HOSTS), time);
    }
  }
}
