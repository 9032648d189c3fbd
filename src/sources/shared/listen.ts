/** Listen addresses of the network sources; the parser lives in core so the sources' config.ts can use it. */
export { parseHostPort } from "../../core/ip.js";
