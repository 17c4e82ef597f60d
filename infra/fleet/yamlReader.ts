import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, Node, YAMLMap, YAMLSeq } from "yaml";
import { didYouMean } from "./didYouMean";
import { FleetProblem } from "./problems";
import { looksLikePem, storeSecretAdvice } from "./secrets";

/** A field of a mapping: how to read its value. `undefined` from a reader means "reported, skip". */
export type FieldReader = (value: Node, path: string) => void;

/**
 * Reads a parsed YAML document node by node, collecting problems with exact positions instead of
 * stopping at the first one, so a user sees everything that is wrong in one run.
 */
export class YamlReader {
    readonly problems: FleetProblem[] = [];

    constructor(
        readonly file: string,
        private readonly doc: Document,
        private readonly lines: LineCounter,
    ) {}

    position(node: Node | null | undefined): { line: number; col: number } {
        const offset = node?.range?.[0] ?? 0;
        return this.lines.linePos(offset);
    }

    report(severity: FleetProblem["severity"], node: Node | null | undefined, path: string, message: string): void {
        this.problems.push({ severity, file: this.file, ...this.position(node), path, message });
    }

    error(node: Node | null | undefined, path: string, message: string): void {
        this.report("error", node, path, message);
    }

    warn(node: Node | null | undefined, path: string, message: string): void {
        this.report("warning", node, path, message);
    }

    /** Follows `*alias` references so anchors can be used to share blocks in the fleet file. */
    deref(node: unknown): Node | undefined {
        if (isAlias(node)) return node.resolve(this.doc) as Node | undefined;
        return (node ?? undefined) as Node | undefined;
    }

    describe(node: Node | undefined): string {
        if (node === undefined) return "nothing";
        if (isMap(node)) return "a mapping";
        if (isSeq(node)) return "a list";
        if (isScalar(node)) {
            const v = node.value;
            if (v === null) return "an empty value";
            if (typeof v === "string") return `the text "${v.length > 40 ? v.slice(0, 40) + "..." : v}"`;
            return `${typeof v === "number" ? "the number" : "the value"} ${String(v)}`;
        }
        return "something else";
    }

    map(node: Node | undefined, path: string, what = "a mapping"): YAMLMap<Node, Node> | undefined {
        const n = this.deref(node);
        if (isMap(n)) return n as YAMLMap<Node, Node>;
        this.error(n ?? node, path, `must be ${what} (key: value lines), found ${this.describe(n)}`);
        return undefined;
    }

    seq(node: Node | undefined, path: string, what = "a list"): YAMLSeq<Node> | undefined {
        const n = this.deref(node);
        if (isSeq(n)) return n as YAMLSeq<Node>;
        this.error(n ?? node, path, `must be ${what} ("- item" lines), found ${this.describe(n)}`);
        return undefined;
    }

    /**
     * Visits the keys of a mapping with the given readers; reports unknown keys with a suggestion
     * and lets `onUnknown` claim keys first (used to explain pasted secrets better than "unknown").
     */
    fields(
        map: YAMLMap<Node, Node>,
        path: string,
        readers: Record<string, FieldReader>,
        onUnknown?: (key: string, keyNode: Node, path: string) => boolean,
    ): Set<string> {
        const seen = new Set<string>();
        const known = Object.keys(readers);
        for (const pair of map.items) {
            const keyNode = this.deref(pair.key);
            if (!isScalar(keyNode) || typeof keyNode.value !== "string") {
                this.error(keyNode, path, `has a key that is not plain text (${this.describe(keyNode)})`);
                continue;
            }
            const key = keyNode.value;
            const childPath = path ? `${path}.${key}` : key;
            const reader = Object.prototype.hasOwnProperty.call(readers, key) ? readers[key] : undefined;
            if (!reader) {
                if (onUnknown?.(key, keyNode, childPath)) continue;
                this.error(keyNode, childPath, `is not a known key here${didYouMean(key, known)}; known keys: ${known.join(", ")}`);
                continue;
            }
            seen.add(key);
            const value = this.deref(pair.value);
            if (value === undefined || (isScalar(value) && value.value === null)) {
                this.error(keyNode, childPath, "has no value; give it one or delete the line");
                continue;
            }
            reader(value, childPath);
        }
        return seen;
    }

    requireKeys(map: YAMLMap<Node, Node>, path: string, seen: Set<string>, required: readonly string[]): void {
        for (const key of required) {
            if (!seen.has(key)) this.error(map, path, `is missing the required key "${key}"`);
        }
    }

    string(node: Node, path: string): string | undefined {
        if (isScalar(node) && typeof node.value === "string") {
            if (node.value.trim() === "") {
                this.error(node, path, "must not be empty");
                return undefined;
            }
            if (looksLikePem(node.value)) {
                this.error(node, path, `holds a PEM block (-----BEGIN ...), and secrets must never be in this file; ${storeSecretAdvice("privateKey")}`);
                return undefined;
            }
            return node.value;
        }
        this.error(node, path, `must be text, found ${this.describe(node)}`);
        return undefined;
    }

    integer(node: Node, path: string, min: number, max: number): number | undefined {
        if (isScalar(node) && typeof node.value === "number" && Number.isInteger(node.value)) {
            if (node.value < min || node.value > max) {
                this.error(node, path, `must be between ${min} and ${max}, found ${node.value}`);
                return undefined;
            }
            return node.value;
        }
        this.error(node, path, `must be a whole number between ${min} and ${max}, found ${this.describe(node)}`);
        return undefined;
    }

    boolean(node: Node, path: string): boolean | undefined {
        if (isScalar(node) && typeof node.value === "boolean") return node.value;
        this.error(node, path, `must be true or false, found ${this.describe(node)}`);
        return undefined;
    }

    /** A list of non-empty strings; items that are not are reported and dropped. */
    strings(node: Node, path: string): { value: string; node: Node }[] | undefined {
        const list = this.seq(node, path);
        if (!list) return undefined;
        const out: { value: string; node: Node }[] = [];
        list.items.forEach((item, i) => {
            const n = this.deref(item);
            if (n === undefined) return;
            const v = this.string(n, `${path}[${i}]`);
            if (v !== undefined) out.push({ value: v, node: n });
        });
        return out;
    }
}
