/**
 * Collects what the program warns (pulumi.log.warn prints through console.warn when no engine is
 * attached, as under mocks), so a test asserts an expected warning instead of printing it.
 */
export function captureWarnings(): { readonly messages: string[]; restore(): void } {
    const messages: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
        messages.push(args.map(String).join(" "));
    };
    return { messages, restore: () => (console.warn = original) };
}
