/** Labels the product sets on every series itself; a fleet label of the same name would be lost or clash. */
export const RESERVED_LABELS = ["instance", "job", "site", "region", "device", "address"] as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Why `name` cannot be a Prometheus label of a device, or undefined if it can. */
export function labelNameProblem(name: string): string | undefined {
    if (!LABEL_NAME.test(name)) {
        return "is not a valid Prometheus label name (letters, digits and _, not starting with a digit)";
    }
    if (name.startsWith("__")) return "starts with __, which Prometheus reserves for itself";
    if ((RESERVED_LABELS as readonly string[]).includes(name)) {
        return `is set by the product itself (${RESERVED_LABELS.join(", ")}); choose another name`;
    }
    return undefined;
}
