/**
 * The `rootcheck:` key (spec/hids.md): which checks run, how often, and where they look. The paths default
 * to the live system; tests (and a look at a mounted disk image) point them elsewhere.
 */
import { z } from "zod";
import { duration, pathString } from "../../core/config.js";

export const rootcheckCheckNames = [
  "hidden_processes",
  "hidden_ports",
  "promiscuous",
  "dev_files",
  "suid",
  "world_writable",
  "rootkit_files",
] as const;

export type RootcheckCheckName = (typeof rootcheckCheckNames)[number];

/** System folders (inside `root`) that the suid and world_writable checks walk. */
export const DEFAULT_SYSTEM_PATHS = [
  "/bin",
  "/sbin",
  "/usr",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
  "/boot",
  "/opt",
  "/root",
  "/srv",
  "/var",
];

const portRange = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, "a port range is FIRST-LAST, e.g. 1-65535")
  .refine(
    (v) => {
      const [a, b] = v.split("-").map(Number);
      return a >= 1 && b <= 65535 && a <= b;
    },
    { message: "ports run from 1 to 65535 and FIRST must not exceed LAST" },
  );

const insideRoot = z.string().regex(/^\//, "a path inside `root`, starting with / (e.g. /usr)");

export const rootcheckSchema = z.strictObject({
  schedule: duration().default(43_200),
  checks: z
    .array(z.enum(rootcheckCheckNames))
    .min(1, "name at least one check (or remove the rootcheck key)")
    .default([...rootcheckCheckNames]),
  root: pathString.default("/"),
  proc: pathString.default("/proc"),
  sys: pathString.default("/sys"),
  ports: portRange.default("1-65535"),
  paths: z.array(insideRoot).default(DEFAULT_SYSTEM_PATHS),
  dev_allow: z.array(insideRoot).default([]),
  known_promiscuous: z.array(z.string().min(1, "must not be empty")).default([]),
});

export type RootcheckConfig = z.output<typeof rootcheckSchema>;
