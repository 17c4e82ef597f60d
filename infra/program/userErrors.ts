import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../common";

/**
 * What the entry point throws for an error: a user's problem (UserError) as a RunError, which Pulumi
 * prints as its message alone; anything else is a bug and goes on as it is, stack trace and all.
 */
export function forPulumi(e: unknown): unknown {
    return UserError.isInstance(e) ? new pulumi.RunError(e.message) : e;
}
