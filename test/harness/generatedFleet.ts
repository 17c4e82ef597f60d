import { KEY_A } from "../fleet/malformedCases";

/** A fleet file of n devices over sites of 59 (the average UK offshore wind farm), as people write it. */
export function generatedFleetYaml(n: number): string {
    const sites = Math.max(1, Math.ceil(n / 59));
    const lines = [
        "version: 1",
        "defaults:",
        "  ssh: {user: iiotmon, privateKeySecret: deviceSshKey}",
        '  nodeExporter: {version: "1.12.1", collectors: {enable: [systemd], disable: [wifi]}}',
        "  labels: {operator: bench}",
        "sites:",
    ];
    for (let s = 0; s < sites; s++) lines.push(`  farm-${s}:`, `    region: region-${s % 7}`, `    labels: {farm: f${s}}`);
    lines.push("devices:");
    for (let i = 0; i < n; i++) {
        lines.push(
            `  - name: wtg-${i}`,
            `    address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            `    site: farm-${Math.floor(i / 59)}`,
            `    hostKey: ${KEY_A}`,
            `    labels: {string: s${i % 8}, rack: r${i % 13}}`,
        );
    }
    return lines.join("\n") + "\n";
}
