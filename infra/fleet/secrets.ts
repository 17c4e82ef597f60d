/** Keys people paste secrets under; explained instead of being called "unknown". */
const SECRET_KEY = /^(password|passwd|pass|privatekey|private_key|private-key|key|passphrase|secret|token|apikey|api_key)$/i;

/** Pulumi config key names, optionally namespaced (`project:key`). */
const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}(:[A-Za-z][A-Za-z0-9_.-]{0,127})?$/;

export function looksLikeSecretKey(key: string): boolean {
    return SECRET_KEY.test(key);
}

export function looksLikePem(text: string): boolean {
    return text.includes("-----BEGIN");
}

export function isSecretName(text: string): boolean {
    return SECRET_NAME.test(text);
}

/** How to store a secret properly, for messages about secrets found in the fleet file. */
export function storeSecretAdvice(kind: "privateKey" | "password"): string {
    return kind === "privateKey"
        ? "store it with `pulumi config set --secret deviceSshKey < ~/.ssh/fleet_ed25519` and refer to it as `privateKeySecret: deviceSshKey`"
        : "store it with `pulumi config set --secret devicePassword` and refer to it as `passwordSecret: devicePassword`";
}
