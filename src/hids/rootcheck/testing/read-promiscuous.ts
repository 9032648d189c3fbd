/**
 * Run inside a network namespace (`ip netns exec NS node --import tsx read-promiscuous.ts`; ip netns exec
 * mounts that namespace's /sys): runs the promiscuous check and prints its findings as one JSON line.
 */
import { checkPromiscuous } from "../promiscuous.js";

process.stdout.write(`${JSON.stringify(await checkPromiscuous({ sys: "/sys" }))}\n`);
