import { load } from "js-yaml";
import { LONG_TERM_DATASOURCE_UID, renderGrafanaDatasources } from "../infra/host/grafanaProvisioning";

/** The dashboards that switch between recent (host) and long-term (AMP) data. */
const FLEET_DASHBOARDS = ["iiotmon-fleet", "iiotmon-device"];
import { DEVICE_DASHBOARD_LINK, FLEET_DASHBOARD_LINK } from "../infra/host/alertRules";
import { WATCHED_DEVICE_DASHBOARD_LINK } from "../infra/host/watchAlertRules";
import { renderHostConfigFiles } from "../infra/host/hostConfigFiles";
import { FLEET_EVENTS_ANNOTATION_SQL, MAINTENANCE_ANNOTATION_SQL } from "../infra/host/fleetRecordSql";
import { dashboardQueries, loadDashboards } from "../lab/dashboardQueries";

/** Static checks of dashboards/: what Grafana needs to provision them and what links expect. */
describe("dashboards", () => {
    const dashboards = loadDashboards();

    it("are the fleet overview and the device detail, with stable uids", () => {
        expect(dashboards.map((d) => [d.file, d.json.uid, d.json.title])).toEqual([
            ["device.json", "iiotmon-device", "Device"],
            ["fleet-overview.json", "iiotmon-fleet", "Fleet overview"],
            ["probes-snmp.json", "iiotmon-probe-snmp", "Probes and SNMP"],
        ]);
    });

    it("use only the provisioned data sources; Prometheus panels through the data source variable, which offers the host and the long-term store", () => {
        const workspace = { prometheusEndpoint: "https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-1/", region: "eu-west-2" };
        const provisioned = (load(renderGrafanaDatasources(workspace)) as { datasources: { uid: string; type: string }[] }).datasources;
        const used = new Set<string>();
        const visit = (v: unknown): void => {
            if (Array.isArray(v)) v.forEach(visit);
            else if (v && typeof v === "object") {
                const o = v as Record<string, unknown>;
                const ds = o.datasource as { uid?: string; type?: string } | undefined;
                if (ds && typeof ds === "object" && ds.uid) used.add(`${ds.type} ${ds.uid}`);
                Object.values(o).forEach(visit);
            }
        };
        for (const d of dashboards) {
            used.clear();
            visit(d.json);
            const variable = d.json.templating.list.find((v) => v.type === "datasource");
            const prometheusRefs = [...used].filter((u) => u.startsWith("prometheus "));
            if (FLEET_DASHBOARDS.includes(d.json.uid)) {
                // Every Prometheus query follows the variable; the variable lists Prometheus data sources and starts on the host.
                expect([d.json.uid, prometheusRefs]).toEqual([d.json.uid, ["prometheus ${datasource}"]]);
                expect(variable).toMatchObject({ name: "datasource", query: "prometheus", current: { value: "prometheus" } });
                expect(provisioned.filter((p) => p.type === "prometheus").map((p) => p.uid)).toEqual(["prometheus", LONG_TERM_DATASOURCE_UID]);
            }
            const concrete = [...used].filter((u) => !u.includes("${")).map((u) => u.split(" ")[1]);
            expect(concrete.filter((uid) => !provisioned.some((p) => p.uid === uid))).toEqual([]);
        }
    });

    it("are where alert annotations link to", () => {
        expect(DEVICE_DASHBOARD_LINK).toMatch(/^\/d\/iiotmon-device\//);
        expect(FLEET_DASHBOARD_LINK).toMatch(/^\/d\/iiotmon-fleet\//);
        expect(WATCHED_DEVICE_DASHBOARD_LINK).toMatch(/^\/d\/iiotmon-probe-snmp\//);
        expect(dashboards.find((d) => d.json.uid === "iiotmon-probe-snmp")!.json.templating.list.map((v) => v.name)).toEqual(["device"]);
        expect(dashboards.find((d) => d.json.uid === "iiotmon-device")!.json.templating.list.map((v) => v.name)).toEqual(["datasource", "device"]);
    });

    it("offer site, region and any fleet label as filters on the overview", () => {
        const vars = dashboards.find((d) => d.json.uid === "iiotmon-fleet")!.json.templating.list;
        expect(vars.map((v) => [v.name, v.type])).toEqual([["datasource", "datasource"], ["site", "query"], ["region", "query"], ["filters", "adhoc"]]);
    });

    it("annotate the overview with fleet changes and maintenance windows, by the queries tested against PostgreSQL", () => {
        const list = dashboards.find((d) => d.json.uid === "iiotmon-fleet")!.json.annotations?.list ?? [];
        expect(list.map((a) => [a.name, a.target?.rawSql])).toEqual([
            ["Fleet changes", FLEET_EVENTS_ANNOTATION_SQL],
            ["Maintenance windows", MAINTENANCE_ANNOTATION_SQL],
        ]);
    });

    it("keep job and node_uname_info usable for the community Node Exporter Full dashboard", () => {
        const exprs = dashboardQueries().map((q) => q.expr);
        expect(exprs.some((e) => e.includes("node_uname_info"))).toBe(true);
        for (const e of exprs.filter((x) => x.includes("node_"))) expect(e).toContain('job="node"');
    });

    it("are provisioned to the host with the rest of Grafana's files", () => {
        const files = renderHostConfigFiles({ stackName: "t" });
        expect(Object.keys(files).filter((f) => f.startsWith("config/grafana/dashboards/"))).toEqual(["config/grafana/dashboards/device.json", "config/grafana/dashboards/fleet-overview.json", "config/grafana/dashboards/probes-snmp.json"]);
    });
});
