import * as fs from "fs";
import * as path from "path";

/**
 * Reads node_exporter's collector sources (collector/*.go, tests left out) and lists the label names its
 * collectors put on their own series, each with the files that declare it. How: every
 * `prometheus.NewDesc(name, help, variableLabels, constLabels)` call; a `[]string{...}` literal as its
 * third argument gives its names; an identifier there (`labelNames`, `c.labels`) is resolved to every
 * `[]string{...}` assigned to that name in the package, and to every string appended to it; the fourth
 * argument's `prometheus.Labels{...}` keys count too. What cannot be resolved this way (labels built from
 * a map's keys, or passed through a helper's parameter) is returned as `unresolved`, for a person to read
 * and add by hand with the file it comes from.
 *
 * Run: npx ts-node test/upstream/extractCollectorLabels.ts NODE_EXPORTER_CHECKOUT TAG COMMIT > infra/fleet/nodeExporterLabels.ts
 */
export interface CollectorLabels {
    /** Label name -> collector source files that declare it. */
    readonly labels: Record<string, string[]>;
    /** `file: argument` of NewDesc calls whose label names were not literal or resolvable. */
    readonly unresolved: string[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The text of a call's arguments, from the "(" at `open`, split at top-level commas. */
function callArguments(src: string, open: number): string[] {
    const args: string[] = [];
    let depth = 0;
    let start = open + 1;
    for (let i = open; i < src.length; i++) {
        const c = src[i];
        if (c === '"' || c === "`") {
            const end = src.indexOf(c, i + 1);
            i = c === '"' ? skipString(src, i) : end;
            continue;
        }
        if (c === "(" || c === "{" || c === "[") depth++;
        else if (c === ")" || c === "}" || c === "]") {
            depth--;
            if (depth === 0) {
                args.push(src.slice(start, i).trim());
                return args;
            }
        } else if (c === "," && depth === 1) {
            args.push(src.slice(start, i).trim());
            start = i + 1;
        }
    }
    return args;
}

function skipString(src: string, i: number): number {
    for (let j = i + 1; j < src.length; j++) {
        if (src[j] === "\\") j++;
        else if (src[j] === '"') return j;
    }
    return src.length;
}

const literals = (text: string) => [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);

/** Label names of a `[]string{...}` or `prometheus.Labels{...}` literal, or undefined if it is not one. */
function literalNames(arg: string): string[] | undefined {
    const slice = /^\[\]string\s*\{([\s\S]*)\}$/.exec(arg);
    if (slice) return literals(slice[1]);
    const map = /^prometheus\.Labels\s*\{([\s\S]*)\}$/.exec(arg);
    if (map) return [...map[1].matchAll(/"([^"]+)"\s*:/g)].map((m) => m[1]);
    return undefined;
}

export function extractCollectorLabels(checkout: string): CollectorLabels {
    const dir = path.join(checkout, "collector");
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
        .sort();
    const sources = files.map((f) => ({ file: `collector/${f}`, src: fs.readFileSync(path.join(dir, f), "utf8").replace(/^\s*\/\/.*$/gm, "") }));
    const labels: Record<string, Set<string>> = {};
    const unresolved: string[] = [];
    const add = (name: string, file: string) => {
        if (!LABEL_NAME.test(name)) return;
        (labels[name] ??= new Set()).add(file);
    };

    /** The value of a Go string constant or variable `ident = "..."` in the package. */
    const constant = (ident: string): string | undefined => {
        for (const { src } of sources) {
            const m = new RegExp(`\\b${ident}\\s*=\\s*"([^"]*)"`).exec(src);
            if (m) return m[1];
        }
        return undefined;
    };
    /** Names in a `[]string{...}` body: string literals, and identifiers of string constants. */
    const sliceNames = (body: string): string[] =>
        body
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean)
            .flatMap((x) => (/^"[^"]*"$/.test(x) ? [x.slice(1, -1)] : /^\w+$/.test(x) ? [constant(x) ?? ""] : []));

    /**
     * Every `[]string{...}` / `prometheus.Labels{...}` assigned to `ident`, and what is appended to it: string
     * literals, or the key variable of a `for key := range map[string]T{...}` loop (its literal keys). Looked
     * up in the file of the call first; in the whole package only when the file never assigns that name.
     */
    const resolveIn = (ident: string, scope: typeof sources): { names: string[]; found: boolean } => {
        const names: string[] = [];
        let found = false;
        const assign = new RegExp(`\\b${ident}\\b\\s*(?::=|=|:|\\[\\]string\\s*=)\\s*(\\[\\]string|prometheus\\.Labels)\\s*\\{`, "g");
        const appended = new RegExp(`\\b${ident}\\b\\s*=\\s*append\\(\\s*${ident}\\s*,`, "g");
        for (const { src } of scope) {
            for (const m of src.matchAll(assign)) {
                found = true;
                const open = m.index! + m[0].length - 1;
                const body = callArguments(src.replace(/\{/g, "(").replace(/\}/g, ")"), open).join(",");
                if (m[1] === "prometheus.Labels") names.push(...[...body.matchAll(/"([^"]+)"\s*:/g)].map((x) => x[1]));
                else names.push(...sliceNames(body));
            }
            for (const m of src.matchAll(appended)) {
                found = true;
                const args = callArguments(src, m.index! + m[0].indexOf("("));
                for (const a of args.slice(1)) {
                    if (/^"[^"]*"$/.test(a)) names.push(a.slice(1, -1));
                    // The nearest such loop before the append is the one it is in.
                    const loops = [...src.slice(0, m.index).matchAll(new RegExp(`for\\s+${a}\\s*(?:,\\s*\\w+\\s*)?:=\\s*range\\s+map\\[string\\][^{]*\\{`, "g"))];
                    const loop = loops[loops.length - 1];
                    if (loop) {
                        const body = callArguments(src.replace(/\{/g, "(").replace(/\}/g, ")"), loop.index! + loop[0].length - 1).join(",");
                        names.push(...[...body.matchAll(/"([^"]+)"\s*:/g)].map((x) => x[1]));
                    }
                }
            }
        }
        return { names, found };
    };
    const resolve = (ident: string, file: string): string[] => {
        const own = resolveIn(ident, sources.filter((s) => s.file === file));
        return own.found ? own.names : resolveIn(ident, sources).names;
    };

    for (const { file, src } of sources) {
        for (const m of src.matchAll(/\bprometheus\.NewDesc\s*\(/g)) {
            const args = callArguments(src, m.index! + m[0].length - 1);
            for (const arg of args.slice(2, 4)) {
                if (arg === "nil") continue;
                const lit = literalNames(arg);
                if (lit) {
                    lit.forEach((n) => add(n, file));
                    continue;
                }
                const ident = /^(?:[a-z]\w*\.)?(\w+)(?:\.\.\.)?$/.exec(arg)?.[1];
                const found = ident ? resolve(ident, file) : [];
                if (found.length) found.forEach((n) => add(n, file));
                else unresolved.push(`${file}: ${arg.replace(/\s+/g, " ")}`);
            }
        }
    }
    return {
        labels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()])),
        unresolved: [...new Set(unresolved)].sort(),
    };
}

/**
 * Labels that are not in collector/*.go but are on every scrape of node_exporter all the same, and the
 * ones the extraction above cannot see (listed in its `unresolved`), each with where it comes from.
 */
export const BY_HAND: Record<string, string[]> = {
    // collector/ipvs_linux.go: c.backendLabels is chosen by a flag from fullIpvsBackendLabels (these constants).
    local_address: ["collector/ipvs_linux.go"],
    local_port: ["collector/ipvs_linux.go"],
    remote_address: ["collector/ipvs_linux.go"],
    remote_port: ["collector/ipvs_linux.go"],
    proto: ["collector/ipvs_linux.go"],
    local_mark: ["collector/ipvs_linux.go"],
    // collector/pcidevice_linux.go: append(pcideviceLabelNames, "state").
    state: ["collector/pcidevice_linux.go"],
    // node_exporter_build_info, from prometheus/common's version collector (node_exporter.go registers it).
    branch: ["node_exporter.go (version collector)"],
    goarch: ["node_exporter.go (version collector)"],
    goos: ["node_exporter.go (version collector)"],
    goversion: ["node_exporter.go (version collector)"],
    revision: ["node_exporter.go (version collector)"],
    tags: ["node_exporter.go (version collector)"],
    version: ["node_exporter.go (version collector)", "client_golang's go collector (go_info)"],
    // client_golang: go_gc_duration_seconds is a summary; promhttp counts its own responses by code.
    quantile: ["client_golang's go collector (go_gc_duration_seconds)"],
    le: ["histograms (Prometheus's bucket label)"],
    code: ["client_golang's promhttp (promhttp_metric_handler_requests_total)"],
    cause: ["client_golang's promhttp (promhttp_metric_handler_errors_total)"],
    // Left out on purpose: collector/textfile.go (the labels of your own .prom files are yours to choose) and
    // collector/powersupplyclass_darwin.go (macOS only).
};

/** The TypeScript module infra/fleet/nodeExporterLabels.ts for a checkout at `tag` (commit `commit`). */
export function renderLabelsModule(found: CollectorLabels, tag: string, commit: string): string {
    const merged: Record<string, Set<string>> = {};
    for (const [k, v] of [...Object.entries(found.labels), ...Object.entries(BY_HAND)]) for (const f of v) (merged[k] ??= new Set()).add(f);
    const lines = Object.keys(merged)
        .sort()
        .map((k) => `    ${k}: [${[...merged[k]].sort().map((f) => JSON.stringify(f)).join(", ")}],`);
    return [
        `// Generated by test/upstream/extractCollectorLabels.ts from prometheus/node_exporter ${tag} (${commit}); do not edit.`,
        "// Regenerate after a node_exporter version bump (see test/upstream/README.md).",
        "",
        "/** Label names node_exporter puts on its own series, each with the source files that declare it. */",
        "export const NODE_EXPORTER_LABELS: Readonly<Record<string, readonly string[]>> = {",
        ...lines,
        "};",
        "",
        `/** The node_exporter release these labels were read from (provisioners/node-exporter.sha256sums pins it). */`,
        `export const NODE_EXPORTER_LABELS_VERSION = ${JSON.stringify(tag.replace(/^v/, ""))};`,
        "",
    ].join("\n");
}

if (require.main === module) {
    const [checkout, tag, commit] = process.argv.slice(2);
    if (!checkout || !tag || !commit) {
        process.stderr.write("usage: extractCollectorLabels.ts NODE_EXPORTER_CHECKOUT TAG COMMIT > infra/fleet/nodeExporterLabels.ts\n");
        process.exit(2);
    }
    const found = extractCollectorLabels(checkout);
    process.stderr.write(`unresolved (read them, then extend BY_HAND):\n${found.unresolved.map((u) => `  ${u}`).join("\n")}\n`);
    process.stdout.write(renderLabelsModule(found, tag, commit));
}
