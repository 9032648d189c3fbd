/**
 * The daemon's wiring, as straight-line code: each part gets what it uses as arguments — the publisher,
 * the compiled metric filters, the sink detections go to — and nothing is swapped in later.
 *
 * Two kinds of parts: the shared ones (notify, metric filters, detections) live as long as the daemon
 * and are updated in place on reload; the keyed ones (each alarm, jail and source) are planned from the
 * config with a key and a fingerprint of what decides how they run, so a reload restarts only the ones
 * whose fingerprint changed (src/daemon.ts).
 */
import path from "node:path";
import type { Logger } from "pino";
import { alarmFingerprint, buildAlarmPart } from "./alarms/part.js";
import type { ApiDeps, RunningJail } from "./api/deps.js";
import { type ApiPart, buildApiPart } from "./api/part.js";
import type { MamoriConfig, SourceConfig } from "./config/schema.js";
import type { Clock } from "./core/clock.js";
import { FleetBans } from "./fleet/agent/bans.js";
import { type HostCheckLookup, runHostCheck } from "./fleet/agent/checks.js";
import { AgentForwarder } from "./fleet/agent/forwarder.js";
import { GroupConfig } from "./fleet/agent/group-config.js";
import { FleetServer } from "./fleet/server/server.js";
import { auditFingerprint, buildAuditPart } from "./hids/audit/part.js";
import { buildFimPart, fimFingerprint } from "./hids/fim/part.js";
import { buildRootcheckPart, rootcheckFingerprint } from "./hids/rootcheck/part.js";
import { filterDirsOf } from "./jails/filters.js";
import type { JailFilter } from "./jails/jail.js";
import {
  buildJailPart,
  type JailDeps,
  type JailPart,
  type JailPartEnv,
  jailFingerprint,
} from "./jails/part.js";
import { buildMetricsPart, type MetricsPart } from "./metrics/part.js";
import { buildNotifyPart, type ChannelSettings, type NotifyPart } from "./notify/part.js";
import { type DetectionSink, detectionSink } from "./pipeline/detections.js";
import type { Pipeline } from "./pipeline/pipeline.js";
import type { Service } from "./service.js";
import type { SourceFactoryMap } from "./sources/index.js";
import { buildSourcePart, sourceFingerprint, sourceId } from "./sources/part.js";
import type { SourceFactory } from "./sources/types.js";
import type { Store } from "./store/store.js";

/** What every part may be given: the daemon's store, clock, log and pipeline. */
export interface PartsEnv {
  store: Store;
  clock: Clock;
  log: Logger;
  pipeline: Pipeline;
  /** this host's name as the config says it now */
  hostname: () => string;
  sourceFactories: Partial<SourceFactoryMap>;
  /** what tests replace in jails (resolver, own addresses, actions, poll period) */
  jailDeps?: JailDeps;
  /** jail filters compiled when the config was checked, by jail name (else each jail loads its own) */
  jailFilters?: ReadonlyMap<string, JailFilter>;
}

/** The parts that live as long as the daemon. */
export interface SharedParts {
  notify: NotifyPart;
  metrics: MetricsPart;
  detections: DetectionSink;
}

/** A keyed part, not built yet: a reload builds only the ones whose fingerprint changed. */
export interface PartSpec {
  /** hids: the host checks (fim, rootcheck, audit), keyed by their name */
  kind: "alarm" | "jail" | "source" | "hids";
  key: string;
  fingerprint: string;
  /** Builds the part; `previous` is the running part with the same key, when there is one. */
  build(previous?: Service): Service;
}

/** The config file's folder: relative paths in the config are relative to it. */
export function configDirOf(configPath: string | undefined): string {
  return configPath ? path.dirname(path.resolve(configPath)) : process.cwd();
}

export function channelSettings(config: MamoriConfig): ChannelSettings {
  return { smtp: config.smtp };
}

export function buildSharedParts(config: MamoriConfig, configDir: string, env: PartsEnv): SharedParts {
  const notify = buildNotifyPart(config.topics, channelSettings(config), {
    clock: env.clock,
    deliveries: env.store.deliveries,
    log: env.log,
    host: env.hostname,
  });
  const metrics = buildMetricsPart(config.metric_filters, env.pipeline);
  const detections = detectionSink({
    pipeline: env.pipeline,
    clock: env.clock,
    stream: env.hostname,
    log: env.log.child({ part: "detections" }),
  });
  return { notify, metrics, detections };
}

/** mamori's version, as agents report it to the fleet server. */
export const MAMORI_VERSION = "0.1.0";

/**
 * The fleet parts the config asks for: the fleet server (`server:`) and/or the agent's forwarder
 * (`agent:`, written by `mamori agent enroll`). Both live as long as the daemon (a reload keeps them).
 */
export function buildFleetParts(
  config: MamoriConfig,
  env: PartsEnv,
  shared: SharedParts,
  /** the config running now (a reload changes the jails and their scopes) */
  current: () => MamoriConfig = () => config,
  /** applies a new config without a restart (an agent's group config); the server's config file */
  daemon: {
    reload?: (c: MamoriConfig) => Promise<void>;
    configFile?: () => string | undefined;
    /** the running host check of that name (an agent's "run a check now") */
    hostCheck?: HostCheckLookup;
  } = {},
): Service[] {
  const parts: Service[] = [];
  const dataDir = path.resolve(config.data_dir);
  if (config.server)
    parts.push(
      new FleetServer(config.server, {
        dataDir,
        store: env.store,
        pipeline: env.pipeline,
        detections: shared.detections,
        clock: env.clock,
        log: env.log.child({ part: "fleet-server" }),
        jails: () => current().jails,
        hostname: env.hostname,
        configFile: daemon.configFile,
      }),
    );
  if (config.agent) {
    const log = env.log.child({ part: "fleet-agent" });
    const bans = new FleetBans(config.agent, { bans: env.store.bans, clock: env.clock, log });
    const reload = daemon.reload;
    const group = new GroupConfig(
      config,
      async (c) => {
        if (!reload) throw new Error("this agent cannot apply a group config (no daemon to reload)");
        await reload(c);
      },
      log,
    );
    parts.push(
      { name: "fleet-bans", start: () => bans.start(), stop: () => bans.stop() },
      new AgentForwarder(config.agent, {
        dataDir,
        logs: env.store.logs,
        clock: env.clock,
        log,
        version: MAMORI_VERSION,
        onCommand: (cmd) =>
          cmd.type === "config"
            ? group.apply(cmd)
            : cmd.type === "check"
              ? runHostCheck(cmd, daemon.hostCheck ?? (() => undefined))
              : bans.onCommand(cmd),
        configVersion: () => group.version,
        ownStream: env.hostname,
      }),
    );
  }
  return parts;
}

/** Every alarm, enabled jail, source and host check of the config, in start order (sources, then host checks, last). */
export function planParts(
  config: MamoriConfig,
  configDir: string,
  env: PartsEnv,
  shared: SharedParts,
): PartSpec[] {
  const hostname = env.hostname();
  const { publisher } = shared.notify;
  const filters = shared.metrics.filters;
  const alarmEnv = {
    store: env.store,
    clock: env.clock,
    log: env.log,
    hostname,
    pipeline: env.pipeline,
    publisher,
    filters,
    detections: shared.detections,
  };
  const jailEnv: JailPartEnv = {
    store: env.store,
    clock: env.clock,
    log: env.log,
    hostname,
    configDir,
    filterDirs: filterDirsOf(config, configDir),
    jailFilters: env.jailFilters,
    pipeline: env.pipeline,
    publisher,
    detections: shared.detections,
  };
  const sourceEnv = {
    clock: env.clock,
    log: env.log,
    hostname,
    agent: config.agent ? { id: config.agent.id, name: config.agent.name } : undefined,
    logs: env.store.logs,
    pipeline: env.pipeline,
  };
  const alarms: PartSpec[] = config.alarms.map((alarm) => ({
    kind: "alarm",
    key: alarm.name,
    fingerprint: alarmFingerprint(alarm, filters, hostname),
    build: () => buildAlarmPart(alarm, alarmEnv),
  }));
  const jails: PartSpec[] = config.jails
    .filter((j) => j.enabled)
    .map((jail) => ({
      kind: "jail",
      key: jail.name,
      fingerprint: jailFingerprint(jail, jailEnv, env.jailDeps, env.jailFilters?.get(jail.name)),
      build: (previous) => buildJailPart(jail, jailEnv, env.jailDeps, asJailPart(previous)),
    }));
  const seen = new Set<string>();
  const sources: PartSpec[] = config.sources.map((sc, i) => {
    const factory = env.sourceFactories[sc.type] as SourceFactory<SourceConfig> | undefined;
    let id = sourceId(sc, factory, i);
    if (seen.has(id)) id = `${id}#${i}`;
    seen.add(id);
    return {
      kind: "source",
      key: id,
      fingerprint: sourceFingerprint(sc, sourceEnv),
      build: () => buildSourcePart(sc, id, factory, sourceEnv),
    };
  });
  const hostChecks: PartSpec[] = [];
  const hostCheckEnv = {
    store: env.store,
    clock: env.clock,
    log: env.log,
    detections: shared.detections,
    hostname,
  };
  const fim = config.fim;
  if (fim) {
    const dataDir = path.resolve(configDir, config.data_dir);
    const fimEnv = { ...sourceEnv, store: env.store, hostname: env.hostname, dataDir };
    hostChecks.push({
      kind: "hids",
      key: "fim",
      fingerprint: fimFingerprint(fim, dataDir),
      build: () => buildFimPart(fim, fimEnv),
    });
  }
  const rootcheck = config.rootcheck;
  if (rootcheck)
    hostChecks.push({
      kind: "hids",
      key: "rootcheck",
      fingerprint: rootcheckFingerprint(rootcheck, hostname),
      build: () => buildRootcheckPart(rootcheck, hostCheckEnv),
    });
  const audit = config.audit;
  if (audit)
    hostChecks.push({
      kind: "hids",
      key: "audit",
      fingerprint: auditFingerprint(audit, hostname),
      build: () => buildAuditPart(audit, hostCheckEnv),
    });
  return [...alarms, ...jails, ...sources, ...hostChecks];
}

function asJailPart(s: Service | undefined): JailPart | undefined {
  return s && "handOver" in s ? (s as JailPart) : undefined;
}

/** What tests may set for the web UI/API server (a lower scrypt cost, where the UI files are, limits). */
export type ApiTestOptions = Partial<
  Pick<ApiDeps, "webRoot" | "passwordParams" | "loginLimits" | "maxBodyBytes">
>;

/**
 * The web UI/API server (config `http:`). It reads the config and the running jails through functions,
 * so it sees each reload without being rebuilt.
 */
export function buildHttpPart(
  env: PartsEnv,
  shared: SharedParts,
  view: { config: () => MamoriConfig; jails: () => ReadonlyMap<string, RunningJail> },
  options: ApiTestOptions = {},
): ApiPart {
  const config = view.config();
  return buildApiPart(
    {
      store: env.store,
      clock: env.clock,
      log: env.log,
      detections: shared.detections,
      config: view.config,
      http: config.http,
      jails: view.jails,
      metricFilters: () => shared.metrics.filters.filters,
      ...options,
    },
    env.pipeline,
  );
}
