import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Docker provider reaches the host with the system's ssh client, which needs the admin key and the
 * host's pinned key as files. They are written, mode 0600, into a directory private to this stack on
 * the machine running Pulumi (~/.iiot-monitoring/STACK, or $IIOTMON_SSH_DIR/STACK), only once their
 * values are known (never during a preview).
 */
export function dockerSshOptions(stack: string, publicIp: pulumi.Output<string>, hostKey: pulumi.Output<string>, adminPrivateKey: pulumi.Output<string>): pulumi.Output<string[]> {
    return pulumi.all([publicIp, hostKey, adminPrivateKey]).apply(([ip, key, privateKey]) => {
        if (!ip || !key || !privateKey) return [];
        const dir = path.join(process.env.IIOTMON_SSH_DIR ?? path.join(os.homedir(), ".iiot-monitoring"), stack);
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const knownHosts = path.join(dir, "known_hosts");
        const identity = path.join(dir, "admin_ed25519");
        fs.writeFileSync(knownHosts, `${ip} ${key}\n`, { mode: 0o600 });
        fs.writeFileSync(identity, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`, { mode: 0o600 });
        return ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "IdentitiesOnly=yes", "-i", identity];
    });
}
