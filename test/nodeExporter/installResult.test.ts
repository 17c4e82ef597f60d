import { parseInstallResult } from "../../infra/device";

describe("the IIOTMON_RESULT parser", () => {
    it("reads the last result line of a run, with its status, reason, device and every field", () => {
        const out = "iiotmon: step\nIIOTMON_RESULT device=old status=failed reason=x\niiotmon: retry\nIIOTMON_RESULT device=wtg-01 status=ok version=1.9.1 arch=arm64 changed=1 restarted=1 downloaded_bytes=0\n";
        expect(parseInstallResult(out)).toEqual({
            line: "IIOTMON_RESULT device=wtg-01 status=ok version=1.9.1 arch=arm64 changed=1 restarted=1 downloaded_bytes=0",
            status: "ok",
            device: "wtg-01",
            fields: { device: "wtg-01", status: "ok", version: "1.9.1", arch: "arm64", changed: "1", restarted: "1", downloaded_bytes: "0" },
        });
        expect(parseInstallResult("IIOTMON_RESULT status=failed reason=sudo-needs-password")).toEqual({ line: "IIOTMON_RESULT status=failed reason=sudo-needs-password", status: "failed", reason: "sudo-needs-password", fields: { status: "failed", reason: "sudo-needs-password" } });
        expect(parseInstallResult("iiotmon: cut short\nIIOTMON_RESULTS are not ours\n")).toBeUndefined();
    });

});
