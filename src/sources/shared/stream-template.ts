/**
 * The placeholders of a source's `stream:` (as awslogs' log_stream_name): `{hostname}` (this host's
 * name: the config's `hostname:` or the system's), `{instance_id}` (see resolveInstanceId), and on a
 * fleet agent `{agent}` (its enrolled name) and `{agent_id}`; on a host without a fleet agent those two
 * are the host name. The file source adds `{filename}` (file/stream-name.ts).
 */
import { readFileSync } from "node:fs";

const CLOUD_INIT_INSTANCE_ID = "/var/lib/cloud/data/instance-id";

/**
 * The instance id: MAMORI_INSTANCE_ID, else cloud-init's (/var/lib/cloud/data/instance-id, what EC2 and
 * most clouds provision), else the host name: mamori never calls a metadata service.
 */
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

export interface StreamNames {
  hostname: string;
  /** this daemon's fleet agent identity, when it is one */
  agent?: { id: string; name: string };
}

/** The template with its placeholders filled in (the instance id is looked up only when used). */
export function expandStream(
  template: string,
  names: StreamNames,
  instanceId: () => string = () => resolveInstanceId(names.hostname),
): string {
  let s = template
    .replaceAll("{hostname}", names.hostname)
    .replaceAll("{agent}", names.agent?.name ?? names.hostname)
    .replaceAll("{agent_id}", names.agent?.id ?? names.hostname);
  if (s.includes("{instance_id}")) s = s.replaceAll("{instance_id}", instanceId());
  return s;
}
