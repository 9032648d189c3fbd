/**
 * The line-by-line state machine of fail2ban's server/filter.py (processLine, findFailure, _mergeFailure,
 * _ignoreLine), ported one to one: the same buffer, the same multi-line (maxlines, <F-MLFID>) merging,
 * the same nofail / mlfforget / mlfgained rules. The modes fail2ban itself switches (checkAllRegex,
 * ignorePending, raw hosts) are options, so the jail, `mamori regex` and the corpus test each run it
 * the way their fail2ban counterpart does.
 */

import type { DateDetector } from "../dates/index.js";
import type { Located } from "../filter-reader.js";
import { ipAddrText, normalizeIp } from "./addresses.js";
import { buildFastPaths, forgetOnlyRegexes } from "./fast-paths.js";
import { MlfidCache } from "./mlfid-cache.js";
import type { LineClass } from "./prefilter.js";
import { F2bRegex, type Fail, type TupleLine, tupleLinesBuf } from "./regex.js";

export interface CoreOptions {
  prefregex?: Located;
  failregex: Located[];
  ignoreregex: Located[];
  maxlines: number;
  /** fail2ban's usedns: "no" makes <HOST> match addresses only */
  useDns: string;
  /** try every failregex on a line (fail2ban-regex and the sample tests), else stop at the first */
  checkAllRegex: boolean;
  /** drop failures without an address yet (pending multi-line ones) */
  ignorePending: boolean;
  /** keep DNS names as failure ids instead of dropping them (no resolution is ever done) */
  returnRawHost: boolean;
  dateDetector?: DateDetector;
  /** ms epoch; "now" for recent-date reuse and the mlfid cache */
  now: () => number;
  /** called with the index of an ignoreregex that matched */
  onIgnoreRegex?: (index: number) => void;
  /**
   * skip work that cannot change a result: lines without a trigger text of any failregex/ignoreregex,
   * before date detection (maxlines 1 only), and the dicts of a nofail + mlfforget match whose failure
   * id is not cached. Only prefregex hit counts (fail2ban-regex's statistics) change.
   */
  fastPaths?: boolean;
  /** the date detector uses fail2ban's default templates (no datepattern, or `{^LN-BEG}`) */
  defaultDates?: boolean;
  /**
   * the caller only counts (fail2ban-regex's statistics): of each failure it reads regexIndex and whether
   * fail.nofail is set, nothing else (failures are shared objects: no id, time or data). A nofail +
   * mlfforget match whose failure id is not cached gives its result without its dicts built
   * (checkAllRegex: every such match still counts as a hit).
   */
  countOnly?: boolean;
  /**
   * the caller never reads a failure's lines (fail.matches): they are not gathered. A session's lines
   * are gathered by copying its growing list on each new line, n²/2 copies for a session of n lines
   * (fail2ban-regex itself takes 37 s on 30,000 "Failed publickey" lines of one session). countOnly
   * implies it.
   */
  dropLines?: boolean;
}

/** One failure found on a line: which regex, the failure id (address or id), the time (ms) and data. */
export interface RawFailure {
  regexIndex: number;
  /** address / host / id as fail2ban's fid; undefined for a pending multi-line failure */
  fid: string | undefined;
  /** the raw host text and the CIDR fail2ban would use, when the fid is an address */
  host?: string;
  cidr?: number;
  /** the host is a DNS name that fail2ban would have resolved; mamori does not resolve names */
  unresolved?: boolean;
  time: number | undefined;
  fail: Fail;
}

const RECENT_MS = 60_000;
/** skipped lines kept for the date of a later line without one (the newest are the ones that count) */
const SKIPPED_KEEP = 64;
const NO_FAILURES: RawFailure[] = Object.freeze([]) as unknown as RawFailure[];
const FAILURE_ID_PRESENTS = ["fid", "ip4", "ip6", "dns", "mlfid"];
/** what a countOnly caller reads of a nofail match that changed nothing */
const QUIET_FAIL: Fail = Object.freeze({ nofail: true });
const COUNTED_FAIL: Fail = Object.freeze({});

export class FilterCore {
  readonly prefRegex: F2bRegex | undefined;
  /** the keys of the prefregex dict when they are fixed (failregex groups are then merged by generated code) */
  private readonly preKeys: readonly string[] | undefined;
  readonly failRegex: F2bRegex[];
  readonly ignoreRegex: F2bRegex[];
  private lineBuffer: TupleLine[] = [];
  private lastTimeText = "";
  private lastDate: number | undefined;
  private mlfid: MlfidCache | undefined;
  /** which regexes may match a line, before date detection (see CoreOptions.fastPaths) */
  private readonly classify: ((line: string) => LineClass) | undefined;
  /** per failregex: a match is always nofail + mlfforget, so without a cached mlfid it changes nothing */
  private readonly forgetOnly: boolean[];
  /** per failregex, with countOnly: the shared result of a nofail match (see forgetsNothing) */
  private readonly quietHits: RawFailure[];
  /** per failregex, with countOnly: the shared result of a match that counts */
  private readonly countedHits: RawFailure[];
  /** lines skipped by the prefilter since the last line whose date was read, oldest first */
  private skipped: string[] = [];
  private lastTuple: TupleLine = ["", "", ""];
  private lastSkipped: string | undefined;

  constructor(private readonly o: CoreOptions) {
    const multiline = o.maxlines > 1;
    this.prefRegex = o.prefregex
      ? new F2bRegex(o.prefregex, { multiline: false, useDns: o.useDns, kind: "prefregex" })
      : undefined;
    this.preKeys = this.prefRegex?.dictKeys("content");
    this.failRegex = o.failregex.map((src) => {
      const r = new F2bRegex(src, { multiline, useDns: o.useDns, kind: "failregex" });
      const hasId = (x: F2bRegex | undefined) => !!x && FAILURE_ID_PRESENTS.some((g) => x.hasGroup(g));
      if (!hasId(r) && !hasId(this.prefRegex)) {
        throw new F2bRegexNoHost(src);
      }
      return r;
    });
    this.ignoreRegex = o.ignoreregex.map(
      (src) => new F2bRegex(src, { multiline: false, useDns: o.useDns, kind: "ignoreregex" }),
    );
    const fast = o.fastPaths
      ? buildFastPaths(this.failRegex, this.ignoreRegex, this.prefRegex, {
          lineClasses: !multiline && !!o.dateDetector,
          skipForget: !o.checkAllRegex && !!o.defaultDates,
          anySeam: !o.defaultDates,
        })
      : undefined;
    this.forgetOnly =
      fast?.forgetOnly ??
      (o.countOnly ? forgetOnlyRegexes(this.failRegex, this.prefRegex) : this.failRegex.map(() => false));
    this.quietHits = this.failRegex.map((_, regexIndex) =>
      Object.freeze({ regexIndex, fid: undefined, time: undefined, fail: QUIET_FAIL }),
    );
    this.countedHits = this.failRegex.map((_, regexIndex) =>
      Object.freeze({ regexIndex, fid: undefined, time: undefined, fail: COUNTED_FAIL }),
    );
    this.classify = fast?.classify;
  }

  /** Whether lines are prefiltered (see CoreOptions.fastPaths). */
  get prefiltered(): boolean {
    return this.classify !== undefined;
  }

  /** The prefilter's class of a line (0 skipped, 1 forget-only unless its id is cached, 2 read), if any. */
  lineClass(line: string): LineClass | undefined {
    return this.classify?.(line);
  }

  /**
   * fail2ban reuses the last date read (if under a minute old) for a line without one. The dates of
   * skipped lines are read only now that one is needed: the newest skipped line with a date gives it.
   */
  private recentLastDate(now: number): boolean {
    const skipped = this.skipped;
    for (let i = skipped.length - 1; i >= 0; i--) {
      const line = skipped[i];
      const dm = this.o.dateDetector?.match(line);
      if (dm && dm.end > dm.start && Number.isFinite(dm.time)) {
        this.lastDate = dm.time;
        this.lastTimeText = line.slice(dm.start, dm.end);
        break;
      }
    }
    skipped.length = 0;
    return this.lastDate !== undefined && this.lastDate > now - RECENT_MS;
  }

  get maxlines(): number {
    return this.o.maxlines;
  }

  /** The last line as the regexes saw it (date cut out; a skipped line as it was). */
  get processedLine(): string {
    return this.lastSkipped ?? this.lastTuple[0] + this.lastTuple[2];
  }

  /**
   * What decides the results of the next lines, as text, and the date detector's search count (see
   * DateDetector.state): two cores with equal keys give the same results for any lines that follow
   * as long as the detector needs no full search. Undefined when the detector cannot tell its state.
   */
  state(): { key: string; searches: number } | undefined {
    const dates = this.o.dateDetector?.state?.();
    if (this.o.dateDetector && !dates) return undefined;
    // the prefregex's last match too: a line an ignoreregex drops before the prefregex runs reads it
    const own = JSON.stringify([
      this.lineBuffer,
      this.skipped,
      this.lastTimeText,
      this.lastDate,
      this.prefRegex?.hasMatched(),
    ]);
    return {
      key: `${own}|${dates?.key ?? ""}|${this.mlfid?.stateKey() ?? "[]"}`,
      searches: dates?.searches ?? 0,
    };
  }

  /** The multi-line buffer (lines not yet consumed by a match). */
  get bufferedLines(): readonly TupleLine[] {
    return this.lineBuffer;
  }

  /** A line with its date detected here; or a line whose time is known (journal), as [tuple, time]. */
  processLine(line: string, known?: { tuple: TupleLine; time: number }): RawFailure[] {
    let tuple: TupleLine;
    let date: number | undefined;
    let noDate = false;
    if (known) {
      tuple = known.tuple;
      date = known.time;
      this.lastTimeText = tuple[1];
      this.lastDate = date;
      if (this.skipped.length) this.skipped.length = 0;
    } else {
      const cls = this.classify?.(line);
      if (cls === 0 || (cls === 1 && !this.mlfid?.mayHoldKey(line))) {
        const skipped = this.skipped;
        if (skipped.push(line) > 2 * SKIPPED_KEEP) skipped.splice(0, SKIPPED_KEEP);
        this.lastSkipped = line;
        return NO_FAILURES;
      }
      const dm = this.o.dateDetector?.match(line);
      if (dm) {
        const text = line.slice(dm.start, dm.end);
        tuple = [line.slice(0, dm.start), text, line.slice(dm.end)];
        if (text) {
          if (Number.isFinite(dm.time)) {
            date = dm.time;
            this.lastTimeText = text;
            this.lastDate = date;
            if (this.skipped.length) this.skipped.length = 0;
          }
        } else if (this.recentLastDate(this.o.now())) {
          tuple = ["", this.lastTimeText, line];
          date = this.lastDate;
        } else date = this.o.now();
      } else tuple = ["", "", line];
      if (date === undefined) {
        noDate = true;
        if (this.recentLastDate(this.o.now())) {
          tuple = ["", this.lastTimeText, line];
          date = this.lastDate;
        }
      }
    }
    this.lastTuple = tuple;
    this.lastSkipped = undefined;
    return this.findFailure(tuple, date, noDate);
  }

  /**
   * A nofail + mlfforget match ("Connection closed", "Accepted publickey") of a failure id not in the
   * cache: _mergeFailure would store nothing and findFailure return nothing; skip building the dicts.
   */
  private forgetsNothing(fr: F2bRegex): boolean {
    const gained = fr.group("mlfgained");
    if (!(fr.group("nofail") || gained) || !fr.group("mlfforget")) return false;
    const mlfid = fr.hasGroup("mlfid") ? fr.group("mlfid") : this.prefRegex?.group("mlfid");
    if (mlfid === undefined) return false;
    return this.mlfid?.get(mlfid, this.o.now()) === undefined;
  }

  private ignoreLine(buf0: string, orgBuffer0: TupleLine[], failRegex?: F2bRegex): number | undefined {
    let buf = buf0;
    let orgBuffer = orgBuffer0;
    if (failRegex && this.o.maxlines > 1) {
      orgBuffer = failRegex.matchedTupleLines;
      buf = tupleLinesBuf(orgBuffer);
    }
    let found: number | undefined;
    for (let i = 0; i < this.ignoreRegex.length; i++) {
      const r = this.ignoreRegex[i];
      if (!r.search(buf, orgBuffer)) continue;
      found = i;
      this.o.onIgnoreRegex?.(i);
      if (!this.o.checkAllRegex || this.o.maxlines > 1) {
        if (failRegex) this.lineBuffer = failRegex.unmatchedTupleLines;
      }
      if (!this.o.checkAllRegex) break;
    }
    return found;
  }

  private updateUsers(fail: Fail, user: unknown): Set<unknown> | undefined {
    let users = fail.users as Set<unknown> | undefined;
    if (user) {
      if (!users) {
        users = new Set();
        fail.users = users;
      }
      users.add(user);
    }
    return users;
  }

  private mergeFailure(mlfid: string, fail0: Fail, failRegex: F2bRegex): Fail {
    let fail = fail0;
    const cached = this.mlfid?.get(mlfid, this.o.now());
    let users: Set<unknown> | undefined;
    let nf = 0;
    if (fail.mlfgained) {
      nf |= 8 | 1;
      if (!fail.nofail) fail.nofail = fail.mlfgained;
    } else if (fail.nofail) nf |= 1;
    if (fail.mlfforget !== undefined) {
      const forget = fail.mlfforget;
      fail.mlfforget = undefined;
      if (forget) nf |= 2;
    }
    if (cached) {
      const g = cached;
      users = this.updateUsers(g, fail.user);
      if (popKey(g, "nofail")) nf |= 4;
      if (popKey(g, "mlfgained")) nf |= 4;
      if (nf & 8) popKey(g, "mlfpending");
      if ((nf & 4) === 0 && !g.mlfpending) g.matches = undefined;
      for (const k in fail) {
        const v = fail[k];
        if (v !== undefined && v !== null) g[k] = v;
      }
      fail = g;
      if (nf & 2) this.mlfid?.unset(mlfid);
    } else if (!(nf & 2)) {
      users = this.updateUsers(fail, fail.user);
      this.mlfid ??= new MlfidCache(100, 5 * 60 * 1000);
      this.mlfid.set(mlfid, fail, this.o.now());
    }
    const pending = popKey(fail, "mlfpending");
    if (pending || (users && users.size > 1)) {
      popKey(fail, "nofail");
      popKey(fail, "mlfgained");
      nf &= ~(8 | 1);
    }
    if (this.o.countOnly || this.o.dropLines) return fail;
    if ((nf & 1) === 0) {
      const m = joinLines(popKey(fail, "nofail-matches") as TupleLine[] | undefined, fail.matches);
      if ((nf & 8) === 0) for (const t of failRegex.matchedTupleLines) m.push(t);
      fail.matches = m;
    } else if ((nf & 3) === 1) {
      fail["nofail-matches"] = joinLines(
        fail["nofail-matches"] as TupleLine[] | undefined,
        failRegex.matchedTupleLines,
      );
    }
    return fail;
  }

  private findFailure(tuple: TupleLine, date: number | undefined, _noDate: boolean): RawFailure[] {
    const out: RawFailure[] = [];
    const o = this.o;
    let orgBuffer: TupleLine[];
    if (o.maxlines > 1) {
      this.lineBuffer.push(tuple);
      this.lineBuffer = this.lineBuffer.slice(-o.maxlines);
      orgBuffer = this.lineBuffer;
    } else {
      this.lineBuffer = [tuple];
      orgBuffer = this.lineBuffer;
    }
    let buf: string | undefined = tupleLinesBuf(orgBuffer);
    if (this.ignoreRegex.length && this.ignoreRegex.length < this.failRegex.length - 2) {
      if (this.ignoreLine(buf, orgBuffer) !== undefined) return out;
    }
    // the prefregex groups are only needed when a failregex matches: built then
    let preGroups: Fail | undefined;
    if (this.prefRegex) {
      if (!this.prefRegex.search(buf, orgBuffer)) return out;
      const repl = this.prefRegex.group("content");
      if (repl) {
        this.lineBuffer = [["", "", repl]];
        buf = undefined;
      }
    }
    let slot = 0;
    for (let idx = 0; idx < this.failRegex.length; idx++) {
      const fr = this.failRegex[idx];
      if (buf === undefined) {
        buf = tupleLinesBuf(this.lineBuffer);
        const c = buf.charCodeAt(0);
        slot = c < 128 ? c : 128;
      } else if (idx === 0) {
        const c = buf.charCodeAt(0);
        slot = c < 128 ? c : 128;
      }
      // a start-anchored regex that cannot start with this character is not even called
      const first = fr.firstTable;
      if (first !== undefined && first[slot] === 0) continue;
      if (!fr.search(buf, orgBuffer)) continue;
      if (this.ignoreRegex.length && this.ignoreLine(buf, orgBuffer, fr) !== undefined) {
        buf = undefined;
        if (!o.checkAllRegex) break;
        continue;
      }
      if (this.forgetOnly[idx] && (!o.checkAllRegex || o.countOnly) && this.forgetsNothing(fr)) {
        if (!o.checkAllRegex) return out;
        // fail2ban builds the dicts, finds no cached failure to forget and counts a nofail hit
        if (fr.group("mlfpending") === undefined) {
          out.push(this.quietHits[idx]);
          continue;
        }
      }
      let fail: Fail;
      if (this.prefRegex) {
        preGroups ??= this.prefRegex.groups("content");
        const preKeys = this.preKeys;
        fail = preKeys ? fr.groupsOver(preGroups, preKeys) : mergeGroups(preGroups, fr.groups());
      } else fail = fr.groups();
      if (!o.checkAllRegex || o.maxlines > 1) {
        this.lineBuffer = fr.unmatchedTupleLines;
        buf = undefined;
      }
      const mlfid = fail.mlfid as string | undefined;
      if (mlfid !== undefined && mlfid !== null) {
        fail = this.mergeFailure(mlfid, fail, fr);
        if (fail.nofail && !o.checkAllRegex) return out;
      } else if (!o.countOnly && !o.dropLines) {
        fail.matches = joinLines(fail.matches, fr.matchedTupleLines);
      }
      if (o.countOnly) {
        // only whether the failure is pending changes state (the cached dict); the caller reads the
        // regex and nofail as they are now (a later regex of this line may merge into the same dict)
        if (isPending(fail, fr, mlfid)) {
          fail.mlfpending = 1;
          if (!o.checkAllRegex && o.ignorePending) return out;
        }
        out.push(fail.nofail ? this.quietHits[idx] : this.countedHits[idx]);
        if (!o.checkAllRegex) break;
        continue;
      }
      const entry = this.failureId(fail, fr, mlfid);
      if (entry === "pending") {
        fail.mlfpending = 1;
        if (!o.checkAllRegex && o.ignorePending) return out;
        out.push({
          regexIndex: idx,
          fid: undefined,
          time: date,
          fail: o.checkAllRegex && mlfid !== undefined ? { ...fail } : fail,
        });
      } else if (entry) {
        out.push({
          regexIndex: idx,
          ...entry,
          time: date,
          fail: o.checkAllRegex && mlfid !== undefined ? { ...fail } : fail,
        });
      }
      if (!o.checkAllRegex) break;
    }
    return out;
  }

  /** The failure id of a match: an address (with its CIDR), a DNS name, an id, or pending (see isPending). */
  private failureId(
    fail: Fail,
    fr: F2bRegex,
    mlfid: string | undefined,
  ): { fid: string; host?: string; cidr?: number; unresolved?: boolean } | "pending" | undefined {
    const fid = fail.fid as string | undefined;
    const cidrText = fail.cidr as string | undefined;
    let ip = fail.ip4 as string | undefined;
    let raw = this.o.returnRawHost;
    let cidr: number | undefined;
    if (ip !== undefined && ip !== null) {
      cidr = cidrText ? Number(cidrText) : undefined;
      raw = true;
    } else {
      ip = fail.ip6 as string | undefined;
      if (ip !== undefined && ip !== null) {
        cidr = cidrText ? Number(cidrText) : undefined;
        raw = true;
      } else {
        ip = fail.dns as string | undefined;
        if (ip === undefined || ip === null) {
          let id = fid;
          if (id === undefined && mlfid === undefined) id = fr.failId();
          if (id === undefined) return "pending";
          ip = id;
          raw = true;
        }
      }
    }
    if (raw) {
      const isAddr = cidr !== undefined || fail.ip4 != null || fail.ip6 != null;
      const shown = isAddr ? ipAddrText(ip, cidr) : ip;
      if (fid === undefined || fid === null || fid === ip) return { fid: shown, host: ip, cidr };
      fail.ip = shown;
      return { fid: this.o.returnRawHost ? fid : ipAddrText(fid, undefined), host: ip, cidr };
    }
    // a DNS name without raw hosts: fail2ban would resolve it; mamori never resolves (usedns off)
    const addr = normalizeIp(ip);
    if (addr) return { fid: addr, host: ip, cidr };
    return { fid: ip, host: ip, cidr, unresolved: true };
  }
}

/** Whether failureId would find no id yet (a multi-line failure waiting for its address). */
function isPending(fail: Fail, fr: F2bRegex, mlfid: string | undefined): boolean {
  if (fail.ip4 != null || fail.ip6 != null || fail.dns != null) return false;
  if (fail.fid !== undefined) return false;
  return mlfid !== undefined || fr.failId() === undefined;
}

/** fail2ban's `fail = preGroups.copy(); fail.update(groups)`, key by key into one new object. */
function mergeGroups(pre: Fail, groups: Fail): Fail {
  const merged: Fail = {};
  for (const k in pre) merged[k] = pre[k];
  for (const k in groups) merged[k] = groups[k];
  return merged;
}

/** A new array of the lines of a and then b (either may be absent): spreads cost more per failure line. */
function joinLines(a: unknown, b: unknown): TupleLine[] {
  const out: TupleLine[] = [];
  if (a) for (const t of a as TupleLine[]) out.push(t);
  if (b) for (const t of b as TupleLine[]) out.push(t);
  return out;
}

/**
 * fail2ban's dict.pop(k, None). The key is set to undefined, not deleted: every reader of a failure dict
 * takes undefined for absent (as Python's .get), and a delete would turn the dict (one shape per regex,
 * see groupsOver) into a slow dictionary-mode object for the rest of its life in the mlfid cache.
 */
function popKey(o: Fail, k: string): unknown {
  const v = o[k];
  if (v !== undefined) o[k] = undefined;
  return v;
}

/** A failregex without <HOST>, <ADDR>, <F-ID> or similar: it could never name an address. */
export class F2bRegexNoHost extends Error {
  constructor(readonly src: Located) {
    super("no failure-id group (<HOST>, <ADDR>, <IP4>, <IP6>, <DNS>, <F-ID> or <F-MLFID>) in the regex");
  }
}
