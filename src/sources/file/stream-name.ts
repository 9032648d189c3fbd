/**
 * The stream a file's events go to: `{hostname}`, `{filename}` (the base name) and `{instance_id}`.
 * The instance id comes from MAMORI_INSTANCE_ID, else from cloud-init (/var/lib/cloud/data/instance-id,
 * what EC2 and most clouds provision), else it is the host name: mamori never calls a metadata service.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const CLOUD_INIT_INSTANCE_ID = "/var/lib/cloud/data/instance-id";

export function resolveInstanceId(
  hostname: string,
  env: NodeJS.ProcessEnv = process.env,
  readFile: (file: string) => string = (f) => readFileSync(f, "utf8"),
): string {
  const fromEnv = env.MAMORI_INSTANCE_ID?.trim();
  if (fromEnv) return fromEnv;
  try {
    const id = readFile(CLOUD_INIT_INSTANCE_ID).trim();
    if (id) return id;
  } catch {
    // not a cloud-init host
  }
  return hostname;
}

/** Compiles the template once; the result maps a file path to its stream name. */
export function streamNamer(
  template: string,
  hostname: string,
  instanceId: () => string,
): (file: string) => string {
  let fixed = template.replaceAll("{hostname}", hostname);
  if (fixed.includes("{instance_id}")) fixed = fixed.replaceAll("{instance_id}", instanceId());
  if (!fixed.includes("{filename}")) return () => fixed;
  return (file) => fixed.replaceAll("{filename}", path.basename(file));
}
