import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { encodeLaunch, encodePayload, PayloadSection, provisionerScript, PROVISIONERS_DIR } from "../../infra/common";

/** Runs provisioners/payload.sh's reader on `input` and returns what it wrote: each section's header words and text. */
function decode(shell: string, input: string): { header: string; text: string }[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-payload-"));
    try {
        // starts: dash busybox bash
        const [bin, ...pre] = shell.split(" ");
        const script = `. ${JSON.stringify(path.join(PROVISIONERS_DIR, "payload.sh"))}; read_payload "$1"; cat`;
        const r = spawnSync(bin, [...pre, "-c", script, "sh", dir], { input, encoding: "utf8" });
        expect([r.status, r.stderr]).toEqual([0, ""]);
        const rest = r.stdout;
        const sections = fs
            .readFileSync(path.join(dir, "index"), "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => {
                const [file, ...header] = l.split(" ");
                return { header: header.join(" "), text: fs.readFileSync(file, "utf8") };
            });
        return [...sections, ...(rest ? [{ header: "(after @@end)", text: rest }] : [])];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the payload framing: one encoder (infra/common/payload.ts), one reader (provisioners/payload.sh)", () => {
    const sections: PayloadSection[] = [
        { name: "file", args: ["config/a.yml", "0644", "65534"], text: "line with 'quotes' and \\backslash\n\n  indented\n$HOME `x`\n" },
        { name: "password", text: "no newline at the end" },
        { name: "volume", args: ["vol-0123"] },
        { name: "sql", text: "" },
    ];

    it.each(["dash", "busybox sh", "bash --posix"])("under %s, the reader gets back every section as encoded, and leaves what follows @@end", (shell) => {
        expect(decode(shell, encodePayload(sections) + "not ours\n")).toEqual([
            { header: "file config/a.yml 0644 65534", text: "line with 'quotes' and \\backslash\n\n  indented\n$HOME `x`\n" },
            { header: "password", text: "no newline at the end\n" },
            { header: "volume vol-0123", text: "" },
            { header: "sql", text: "\n" },
            { header: "(after @@end)", text: "not ours\n" },
        ]);
    });

    it("refuses what would break the frame, naming the section", () => {
        expect(() => encodePayload([{ name: "file", args: ["a"], text: "ok\n@@end\n" }])).toThrow("payload section @@file a: line 2 starts with @@, which would end the section");
        expect(() => encodePayload([{ name: "file", args: ["a b"], text: "" }])).toThrow('header word "a b" is empty or has a space');
        expect(() => encodePayload([{ name: "File", text: "" }])).toThrow('payload section name "File" is not a lowercase word');
        expect(() => encodeLaunch({ s: "echo\n" }, ["x\ny"], "")).toThrow('argument "x\\ny" has a line break');
    });

    it("travels with each script that reads a payload: inlined, so the script sent alone is complete and shellcheck-clean", () => {
        for (const name of ["host-setup.sh", "host-apply-config.sh", "host-apply-fleet.sh", "node-exporter-install.sh", "prometheus-agent-install.sh"]) {
            const sent = provisionerScript(name);
            expect([name, sent.includes("read_payload() {"), /^\. "\$\(dirname/m.test(sent)]).toEqual([name, true, false]);
            const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: sent, encoding: "utf8" });
            expect([name, r.stdout, r.status]).toEqual([name, "", 0]);
        }
    });

    it("carries what the two device installers share (install-lib.sh) into both, as sent", () => {
        for (const name of ["node-exporter-install.sh", "prometheus-agent-install.sh"]) {
            const sent = provisionerScript(name);
            expect([name, ...["detect_arch() {", "pinned_checksum() {", "fetch_release() {", "ensure_system_user() {", "ensure_dir() {", "install_file() {"].map((f) => sent.includes(f))]).toEqual([name, true, true, true, true, true, true]);
            expect([name, sent.includes("case $machine in")]).toEqual([name, true]);
            expect([name, (sent.match(/case \$machine in/g) ?? []).length]).toEqual([name, 1]);
        }
    });

    it("carries what the two device uninstallers share (uninstall-lib.sh) into both: one argument loop, which refuses what neither installer takes", () => {
        for (const [name, otherInstallersKey] of [["node-exporter-uninstall.sh", "disk_bytes=1073741824"], ["prometheus-agent-uninstall.sh", "collectors=--collector.cpu"]]) {
            const sent = provisionerScript(name);
            expect([name, sent.includes("read_uninstall_args() {"), sent.includes("step() {"), /^\. "\$\(dirname/m.test(sent)]).toEqual([name, true, true, false]);
            const check = spawnSync("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: sent, encoding: "utf8" });
            expect([name, check.stdout, check.status]).toEqual([name, "", 0]);
            // Refused before anything is looked at, so running it here touches nothing.
            for (const bad of [otherInstallersKey, "no-equals-sign"]) {
                const r = spawnSync("dash", ["-s", "--", "device=d1", "owner=o", "version=1", bad], { input: sent, encoding: "utf8" });
                expect([name, bad, r.status, r.stderr.trim()]).toEqual([name, bad, 2, `iiotmon: error: unknown argument ${bad}`]);
            }
        }
    });
});

describe("install-lib.sh's detect_arch and pinned_checksum", () => {
    /** Runs detect_arch and pinned_checksum under dash, with `uname -m` answering `machine`. */
    function detect(machine: string, arch = "auto"): { status: number | null; out: string } {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-uname-"));
        try {
            fs.writeFileSync(path.join(bin, "uname"), `#!/bin/sh\necho ${machine}\n`, { mode: 0o755 });
            const script = [
                `step() { echo "step: $*"; }`,
                `fail() { echo "fail: $1 ($2)"; exit 1; }`,
                `. ${JSON.stringify(path.join(PROVISIONERS_DIR, "install-lib.sh"))}`,
                `arch=${arch} version=1.8.2 checksums="amd64=aaa arm64=bbb armv7=ccc 386=ddd"`,
                `detect_arch node_exporter`,
                `pinned_checksum node_exporter`,
                `echo "arch=$arch expected=$expected"`,
            ].join("\n");
            const r = spawnSync("dash", ["-c", script], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` } });
            return { status: r.status, out: r.stdout.trim() };
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    }

    it.each([
        ["x86_64", "amd64", "aaa"],
        ["aarch64", "arm64", "bbb"],
        ["armv7l", "armv7", "ccc"],
        ["armv8l", "armv7", "ccc"],
        ["i686", "386", "ddd"],
    ])("maps uname -m %s to the %s release and its pinned sha256", (machine, arch, sha) => {
        expect(detect(machine)).toEqual({ status: 0, out: `step: arch: detected ${arch} (${machine})\narch=${arch} expected=${sha}` });
    });

    it("keeps a pinned arch whatever uname says", () => {
        expect(detect("x86_64", "arm64")).toEqual({ status: 0, out: "step: arch: arm64 (pinned)\narch=arm64 expected=bbb" });
    });

    it("refuses a machine type without a release, and an arch without a pinned sha256", () => {
        expect(detect("mips")).toEqual({ status: 1, out: "fail: unsupported machine type 'mips' (uname -m); pin arch in endpoints.yaml if a node_exporter build runs on it (unsupported-arch)" });
        expect(detect("armv6l")).toEqual({ status: 1, out: "step: arch: detected armv6 (armv6l)\nfail: no pinned sha256 for node_exporter 1.8.2 on armv6 (no-checksum)" });
    });
});
