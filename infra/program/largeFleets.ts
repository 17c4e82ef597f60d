/** From this many devices on, the Pulumi SDK's per-promise stack traces dominate the run (measured). */
export const LARGE_FLEET_DEVICES = 200;

/**
 * The Pulumi Node.js SDK records a stack trace for every promise it creates (to report leaks). With
 * thousands of devices that is most of the program's time and much of its memory: measured under mocks
 * at 4,000 devices, 41.5 s with traces and 17.3 s without, and the growth stays linear without them.
 * So a large fleet runs without stack traces unless IIOTMON_KEEP_STACK_TRACES is set. Returns whether
 * it turned them off.
 */
export function limitStackTracesForLargeFleets(devices: number, env: NodeJS.ProcessEnv = process.env): boolean {
    if (devices < LARGE_FLEET_DEVICES || env.IIOTMON_KEEP_STACK_TRACES) return false;
    Error.stackTraceLimit = 0;
    return true;
}
