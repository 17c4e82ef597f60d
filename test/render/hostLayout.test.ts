import { provisionerScript } from "../../infra/common";
import {
    BACKUP_PASSWORD_FILE,
    CADDY_CONTAINER_PATHS,
    HOST_DATA_ROOT,
    hostDir,
    hostDirList,
    hostFile,
    HOST_LAYOUT,
    hostSetupPayload,
    hostSystemFiles,
    renderHostConfigFiles,
    serviceVolumes,
    SERVICES,
    ServiceName,
    TARGETS_FILE,
} from "../../infra/host";

const HOST_SCRIPTS = ["host-setup.sh", "host-apply-config.sh", "host-apply-fleet.sh", "host-mount-data.sh", "host-grow-data.sh", "host-backup.sh", "host-restore.sh"];
/** A script's lines without its comments. */
const code = (name: string) =>
    provisionerScript(name)
        .split("\n")
        .filter((l) => !/^\s*#/.test(l))
        .join("\n");

describe("the host layout table (infra/host/hostLayout.ts)", () => {
    it("lists each directory once, parents first, each mount point once per container", () => {
        const paths = HOST_LAYOUT.map((d) => d.path);
        expect(new Set(paths).size).toBe(paths.length);
        for (const p of paths) if (p.includes("/")) expect([p, paths.indexOf(p.slice(0, p.lastIndexOf("/"))) < paths.indexOf(p)]).toEqual([p, true]);
        for (const s of Object.keys(SERVICES) as ServiceName[]) {
            const at = serviceVolumes(s).map((v) => v.containerPath);
            expect(new Set(at).size).toBe(at.length);
        }
    });

    it("gives each container its configuration read-only and its data writable, owned by the uid it runs as", () => {
        expect(serviceVolumes("prometheus")).toEqual([
            { hostPath: `${HOST_DATA_ROOT}/config/prometheus`, containerPath: "/etc/prometheus", readOnly: true },
            { hostPath: `${HOST_DATA_ROOT}/data/prometheus`, containerPath: "/prometheus" },
        ]);
        for (const d of HOST_LAYOUT.filter((x) => x.mount && !x.mount.readOnly)) {
            expect([d.path, d.path.startsWith("data/"), d.uid]).toEqual([d.path, true, SERVICES[d.mount!.service].uid]);
        }
        for (const d of HOST_LAYOUT.filter((x) => x.mount?.readOnly)) expect([d.path, /^(config|textfile)/.test(d.path)]).toEqual([d.path, true]);
    });

    it("sets each file's owner and mode by its directory: secrets readable by their service only", () => {
        const of = (rel: string) => {
            const f = hostFile(rel, "x");
            return `${f.mode} ${f.uid}`;
        };
        expect(of(BACKUP_PASSWORD_FILE)).toBe("0400 0");
        expect(of("config/prometheus/secrets/scrape-password")).toBe("0400 65534");
        expect(of("config/prometheus/prometheus.yml")).toBe("0644 65534");
        expect(of("config/alertmanager/alertmanager.yml")).toBe("0644 65534");
        expect(of("config/grafana/dashboards/fleet.json")).toBe("0644 472");
        expect(of("config/timescaledb/initdb/10-iiotmon.sh")).toBe("0755 0");
        expect(of("config/caddy/tls/grafana.key")).toBe("0400 0");
        expect(of("config/caddy/Caddyfile")).toBe("0644 0");
        // Every rendered file lands in a directory of the table that a container mounts.
        for (const rel of [...Object.keys(renderHostConfigFiles({ stackName: "t" })), TARGETS_FILE]) {
            const mounted = HOST_LAYOUT.some((d) => d.mount && rel.startsWith(d.path + "/"));
            expect([rel, mounted]).toEqual([rel, true]);
        }
    });

    it("is what host-setup.sh hands host-mount-data.sh, which keeps no list of its own", () => {
        expect(hostSetupPayload(hostSystemFiles({ bucket: "b", region: "r", schedule: "daily", retentionDays: 1 }), "vol-1")).toContain(`\n@@volume vol-1\n${hostDirList()}@@end\n`);
        expect(hostDirList().split("\n")).toContain("data/timescaledb 70 700");
        expect(code("host-mount-data.sh")).not.toMatch(/^dir [a-z]/m);
        expect(code("host-setup.sh")).toContain('"$scripts/host-mount-data.sh" "$volume" <"$dirs"');
    });

    it("is what the host's scripts name: the data root, its directories, the containers and their ports", () => {
        const all = HOST_SCRIPTS.map(code).join("\n");
        expect([...new Set(all.match(/\/srv\/iiotmon[^\s"'}]*/g))]).toEqual([HOST_DATA_ROOT]);
        // Every path under the data root is in one of the table's directories.
        for (const [, rel] of all.matchAll(/\$(?:root|mountpoint)\/([a-z][a-z0-9_./-]*)/g)) {
            expect([rel, HOST_LAYOUT.some((d) => rel === d.path || rel.startsWith(d.path + "/"))]).toEqual([rel, true]);
        }
        expect(code("host-apply-fleet.sh")).toContain(`targets=$root/${TARGETS_FILE}`);
        expect(code("host-backup.sh")).toContain(`$root/${BACKUP_PASSWORD_FILE}`);
        const containers = Object.values(SERVICES).map((s) => s.container);
        for (const [, name] of all.matchAll(/docker exec (?:-i )?([a-z][a-z0-9-]*)/g)) expect(containers).toContain(name);
        for (const [, name, port] of all.matchAll(/reload ([a-z]+) http:\/\/127\.0\.0\.1:(\d+)\//g)) {
            expect([name, Number(port)]).toEqual([name, (SERVICES[name as ServiceName] as { loopbackPort?: number }).loopbackPort]);
        }
        expect(code("host-backup.sh")).toContain(`http://127.0.0.1:${SERVICES.prometheus.loopbackPort}}`);
        expect(code("host-apply-config.sh")).toContain(`docker exec ${SERVICES.caddy.container} caddy reload --config ${CADDY_CONTAINER_PATHS.caddyfile} `);
        expect(code("host-restore.sh")).toContain(`chown -R ${hostDir("data/prometheus").uid}:${hostDir("data/prometheus").uid} "$data"`);
    });
});
