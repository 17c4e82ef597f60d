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
            expect([name, ...["fetch_release() {", "ensure_system_user() {", "ensure_dir() {", "install_file() {"].map((f) => sent.includes(f))]).toEqual([name, true, true, true, true]);
        }
    });
});
