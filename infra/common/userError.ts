/** Marks a UserError across copies of this module (a test that re-imports the program has two). */
const USER_ERROR = Symbol.for("iiotmon:UserError");

/**
 * A problem the user fixes in their input: the stack settings, the fleet file, a missing secret, a pushed
 * release tarball that is not there or not the pinned one. The entry point shows these without a stack
 * trace (the trace points into our code, not at what to fix); any other error is a bug and keeps its trace.
 */
export class UserError extends Error {
    readonly [USER_ERROR] = true;

    constructor(message: string) {
        super(message);
        this.name = "UserError";
    }

    static isInstance(e: unknown): e is UserError {
        return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[USER_ERROR] === true;
    }
}
