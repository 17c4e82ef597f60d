/**
 * How the Command provider dials, and how we pick its knobs so that an unreachable device fails within
 * `dialTimeoutSeconds`.
 *
 * pulumi-command v1.2.1 (the provider of @pulumi/command 1.2.1), provider/pkg/provider/remote/connection.go:
 * - `dialWithRetry` (150-187) retries through `retry.Until` with the SDK's default acceptor, and gives up when
 *   `reachedDialingErrorLimit(dials, maxAttempts)` (252-255: `dials > dialErrorLimit`, `dials := try + 1`,
 *   `try` counting from 0): so it dials `dialErrorLimit + 1` times. Every error is retried: refused or
 *   timed-out connects, but also a wrong host key and a refused login.
 * - `Timeout: time.Second * time.Duration(*con.PerDialTimeout)` (104), and golang.org/x/crypto v0.48.0
 *   ssh/client.go:239-242 "Timeout is the maximum amount of time for the TCP connection to establish",
 *   used only by `net.DialTimeout` in `ssh.Dial` (178): the SSH handshake and login have no bound.
 * - Through a bastion (`Dial`, 204-242): the bastion is dialled with its own limit and timeout, then
 *   `proxyClient.Dial("tcp", endpoint)` asks the bastion to connect to the device, with no timeout of ours
 *   (the bastion's own TCP connect timeout applies: about 127 s for a silent address with Linux's default
 *   tcp_syn_retries=6, about 3 s when the bastion's ARP for a device on its LAN gets no answer), retried
 *   `dialErrorLimit + 1` times with the same waits.
 *
 * pulumi/pulumi sdk v3.224.0 (the SDK the provider builds with), sdk/go/common/util/retry/until.go:40-42 and
 * 89-112: the first wait is `DefaultDelay = 100 * time.Millisecond`, each next one `delay * DefaultBackoff`
 * (1.5), capped at `DefaultMaxDelay = 5 * time.Second` before it is used.
 */

/** retry.Until's defaults, in nanoseconds as Go's time.Duration holds them. */
const FIRST_WAIT_NS = 100_000_000;
const BACKOFF = 1.5;
const MAX_WAIT_NS = 5_000_000_000;

/** What we give each TCP connect: long enough for a slow cellular link (three SYN retransmissions). */
const MAX_PER_DIAL_SECONDS = 10;
const MIN_PER_DIAL_SECONDS = 2;

/** The provider's knobs for one hop. */
export interface DialSettings {
    /** Seconds each TCP connect may take (the handshake after it is not bounded). */
    readonly perDialTimeout: number;
    /** Failed dials tolerated: the provider dials once more than this. */
    readonly dialErrorLimit: number;
}

/** The waits, in seconds, between the dials of one hop: one after each failed dial but the last. */
export function retryWaits(dialErrorLimit: number): number[] {
    const waits: number[] = [];
    let delay = FIRST_WAIT_NS;
    for (let k = 0; k < dialErrorLimit; k++) {
        delay = Math.min(delay, MAX_WAIT_NS);
        waits.push(delay / 1e9);
        // time.Duration(float64(delay) * backoff) truncates to whole nanoseconds.
        delay = Math.trunc(delay * BACKOFF);
    }
    return waits;
}

/** How many times the provider dials before it gives up. */
export function dialAttempts(settings: DialSettings): number {
    return settings.dialErrorLimit + 1;
}

/** The longest a direct dial can take before failing when every connect times out, in seconds. */
export function worstCaseDialSeconds(settings: DialSettings): number {
    return dialAttempts(settings) * settings.perDialTimeout + retryWaits(settings.dialErrorLimit).reduce((a, b) => a + b, 0);
}

/**
 * Turns "give up on an unreachable device after at most N seconds" into the provider's knobs: each
 * connect may take up to 10 s (a third of the budget for small ones, at least 2 s), and as many dials
 * as fit in the budget with the provider's real waits between them.
 */
export function dialBudget(totalSeconds: number): DialSettings {
    if (!Number.isFinite(totalSeconds) || totalSeconds < 2 * MIN_PER_DIAL_SECONDS) {
        throw new RangeError(`a dial budget of ${totalSeconds} s leaves no room for a retry; give at least ${2 * MIN_PER_DIAL_SECONDS} s`);
    }
    const perDialTimeout = Math.max(MIN_PER_DIAL_SECONDS, Math.min(MAX_PER_DIAL_SECONDS, Math.floor(totalSeconds / 3)));
    let dialErrorLimit = 0;
    while (worstCaseDialSeconds({ perDialTimeout, dialErrorLimit: dialErrorLimit + 1 }) <= totalSeconds) dialErrorLimit++;
    return { perDialTimeout, dialErrorLimit };
}
