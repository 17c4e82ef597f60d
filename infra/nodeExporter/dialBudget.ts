/** The Command provider's retry wait grows to about 5 s between dials; counted so the total stays in budget. */
const RETRY_WAIT_SECONDS = 5;

/**
 * Splits "give up on an unreachable device after about N seconds" into the provider's knobs:
 * each dial may take `perDialTimeout` seconds, and `dialErrorLimit` failed dials end the attempt.
 */
export function dialBudget(totalSeconds: number): { perDialTimeout: number; dialErrorLimit: number } {
    const perDialTimeout = Math.max(2, Math.min(10, Math.floor(totalSeconds / 3)));
    const dialErrorLimit = Math.max(1, Math.floor(totalSeconds / (perDialTimeout + RETRY_WAIT_SECONDS)));
    return { perDialTimeout, dialErrorLimit };
}
