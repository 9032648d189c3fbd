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

/*
 * The brute-force mix: what an Internet-facing sshd (OpenSSH 9, password authentication off or on) logs
 * under constant guessing. Sessions of many attackers run interleaved, each under its own sshd pid, and
 * many lines share one second. Per line, about 17% are failures sshd's filter counts ("Invalid user",
 * "Failed password"), about 55% are lines it reads but does not count ("Received disconnect ... 11: Bye
 * Bye [preauth]", "Disconnected from ... [preauth]", "Connection closed by ... [preauth]"), the rest
 * pam_unix, key exchange errors, legitimate logins, sudo and CRON.
 */

/** Names bots try (the head of any honeypot's list), and a tail of generated ones. */
const BOT_USERS = [
  "admin",
  "test",
  "user",
  "ubuntu",
  "oracle",
  "postgres",
  "guest",
  "ftpuser",
  "pi",
  "git",
  "deploy",
  "mysql",
  "dev",
  "support",
  "tomcat",
  "hadoop",
  "jenkins",
  "www",
  "www-data",
  "minecraft",
  "steam",
  "debian",
  "centos",
  "ec2-user",
  "administrator",
  "usuario",
  "teamspeak",
  "ts3",
  "nagios",
  "zabbix",
  "elastic",
  "es",
  "odoo",
  "sftp",
  "user1",
  "test1",
  "admin1",
  "server",
  "sysadmin",
  "operator",
];

function botUser(rand: () => number): string {
  if (rand() < 0.8) return pick(rand, BOT_USERS);
  const stems = ["user", "test", "admin", "dev", "web", "ftp", "sa", "db"];
  return `${pick(rand, stems)}${Math.floor(rand() * 1000)}`;
}

/** A public-looking IPv4 address (no 10/8, 127/8, 172.16/12, 192.168/16) or, now and then, an IPv6 one. */
function attackerAddress(rand: () => number): string {
  if (rand() < 0.04) {
    const h = () => Math.floor(rand() * 0x10000).toString(16);
    return `2a0${Math.floor(rand() * 10)}:${h()}:${h()}::${h()}`;
  }
  for (;;) {
    const a = 1 + Math.floor(rand() * 223);
    const b = Math.floor(rand() * 256);
    if (a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) continue;
    return `${a}.${b}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
  }
}

/** A session: the messages one sshd pid logs (after "sshd[pid]: "), or whole lines of other programs. */
type Session = { pid: number; messages: string[]; program?: string };

function attackSession(rand: () => number, ip: string): string[] {
  const port = 1024 + Math.floor(rand() * 64000);
  const at = `${ip} port ${port}`;
  const bye = `Received disconnect from ${at}:11: Bye Bye [preauth]`;
  const kind = rand();
  if (kind < 0.21) {
    // invalid user, password authentication off: the name is all the bot gets to try
    const u = botUser(rand);
    return [`Invalid user ${u} from ${at}`, bye, `Disconnected from invalid user ${u} ${at} [preauth]`];
  }
  if (kind < 0.5) {
    // root or a real name with keys only: nothing sshd's filter counts (mode normal)
    const u = rand() < 0.8 ? "root" : pick(rand, USERS);
    return rand() < 0.5
      ? [bye, `Disconnected from authenticating user ${u} ${at} [preauth]`]
      : [`Connection closed by authenticating user ${u} ${at} [preauth]`];
  }
  if (kind < 0.6) {
    // password guessing for an invalid user
    const u = botUser(rand);
    return [
      `Invalid user ${u} from ${at}`,
      "pam_unix(sshd:auth): check pass; user unknown",
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}`,
      `Failed password for invalid user ${u} from ${at} ssh2`,
      bye,
      `Disconnected from invalid user ${u} ${at} [preauth]`,
    ];
  }
  if (kind < 0.66) {
    // password guessing for root
    return [
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=root`,
      `Failed password for root from ${at} ssh2`,
      bye,
      `Disconnected from authenticating user root ${at} [preauth]`,
    ];
  }
  if (kind < 0.9) return [`Connection closed by ${at} [preauth]`]; // scanners
  if (kind < 0.95) return [`Connection reset by ${at} [preauth]`];
  return rand() < 0.5
    ? ["error: kex_exchange_identification: Connection closed by remote host", `Connection closed by ${at}`]
    : [
        `banner exchange: Connection from ${at}: invalid format`,
        `Unable to negotiate with ${at}: no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]`,
      ];
}

function userSession(rand: () => number): string[] {
  const ip = pick(rand, CLIENT_IPS);
  const u = pick(rand, USERS);
  const at = `${ip} port ${1024 + Math.floor(rand() * 64000)}`;
  return [
    `Accepted publickey for ${u} from ${at} ssh2: ED25519 SHA256:Xk2pWbq3rTzY0v8aQe1nU4mC7hL5sJ9dF6gR2tB0oPc`,
    `pam_unix(sshd:session): session opened for user ${u}(uid=1000) by (uid=0)`,
    `Received disconnect from ${at}:11: disconnected by user`,
    `Disconnected from user ${u} ${at}`,
    `pam_unix(sshd:session): session closed for user ${u}`,
  ];
}

function newSession(rand: () => number, pid: number, attackers: string[]): Session {
  const r = rand();
  if (r < 0.9) {
    // a few addresses send most of the attempts
    const ip = attackers[Math.floor(attackers.length * rand() ** 3)];
    return { pid, messages: attackSession(rand, ip) };
  }
  if (r < 0.94) return { pid, messages: userSession(rand) };
  if (r < 0.97) {
    const u = pick(rand, USERS);
    return {
      pid,
      program: "sudo",
      messages: [
        `  ${u} : TTY=pts/0 ; PWD=/home/${u} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`,
        `pam_unix(sudo:session): session opened for user root(uid=0) by ${u}(uid=1000)`,
        "pam_unix(sudo:session): session closed for user root",
      ],
    };
  }
  return {
    pid,
    program: "CRON",
    messages: [
      "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
      "pam_unix(cron:session): session closed for user root",
    ],
  };
}

/**
 * n lines of the brute-force mix starting Nov 25 08:00:00: about 12 lines a second from about 20
 * interleaved sessions, attackers drawn from `attackerCount` addresses. Same seed, same lines.
 */
export function* bruteForceLines(n: number, seed = 1, attackerCount = 5000): Generator<string> {
  const rand = seededRandom(seed);
  const attackers = Array.from({ length: attackerCount }, () => attackerAddress(rand));
  let seconds = 328 * 86400 + 8 * 3600; // Nov 25 08:00:00
  let pid = 20000;
  const nextPid = () => (pid = pid >= 4_000_000 ? 20000 : pid + 1 + Math.floor(rand() * 40));
  const live: Session[] = Array.from({ length: 20 }, () => newSession(rand, nextPid(), attackers));
  const host = HOSTS[0];
  let time = syslogTime(seconds);
  for (let i = 0; i < n; i++) {
    if (rand() < 1 / 12) time = syslogTime(++seconds);
    const slot = Math.floor(rand() * live.length);
    const s = live[slot];
    const message = s.messages.shift() as string;
    const program = s.program === "sudo" ? "sudo" : `${s.program ?? "sshd"}[${s.pid}]`;
    yield `${time} ${host} ${program}: ${message}`;
    if (s.messages.length === 0) live[slot] = newSession(rand, nextPid(), attackers);
  }
}

/** The mixes benchmarks run: the old one (few failures, mostly quiet traffic) and the brute-force one. */
export const AUTH_LOG_MIXES = {
  quiet: authLogLines,
  "brute-force": bruteForceLines,
} as const;
export type AuthLogMix = keyof typeof AUTH_LOG_MIXES;
