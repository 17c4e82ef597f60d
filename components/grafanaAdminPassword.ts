import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of a GrafanaAdminPassword. */
export interface GrafanaAdminPasswordArgs {
    /** SSH to the host (MonitoringHost.access.connection), host key pinned. */
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** The password the admin account must have (a stack secret). */
    readonly password: pulumi.Input<string>;
    /** The Grafana container: the password is set once it runs, and again when it is replaced. */
    readonly grafana: pulumi.Resource & { id: pulumi.Output<string> };
}

/** The names of a GrafanaAdminPassword's children, from the component's name. */
export function grafanaAdminPasswordNames(name: string) {
    return { component: name, reset: `${name}-reset` } as const;
}

/**
 * Makes the admin password the stack's, on every `pulumi up` that changes it. Grafana reads
 * GF_SECURITY_ADMIN_PASSWORD only when it creates the admin account, on its first start with an empty
 * database ("admin_password: ... Set once on first-run", docs/sources/setup-grafana/configure-grafana,
 * [security]); after that only its CLI or API changes it. So the host runs Grafana's own CLI in the
 * container, which reads the database settings from the container's environment (GF_DATABASE_*, as the server does); the password goes on
 * stdin (`--password-from-stdin`, Grafana 9.1+), never on a command line.
 */
export class GrafanaAdminPassword extends pulumi.ComponentResource {
    constructor(name: string, args: GrafanaAdminPasswordArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:GrafanaAdminPassword", name, {}, opts);
        new command.remote.Command(
            grafanaAdminPasswordNames(name).reset,
            {
                connection: args.connection,
                create: GRAFANA_ADMIN_RESET,
                stdin: pulumi.secret(pulumi.output(args.password).apply((p) => `${p}\n`)),
                // A replaced container may come with a database restored from a backup: set it again.
                triggers: [args.grafana.id],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: [args.grafana] },
        );
        this.registerOutputs({});
    }
}

/** The command on the host; its output never holds the password. */
export const GRAFANA_ADMIN_RESET =
    "sudo -n docker exec -i grafana grafana cli --homepath /usr/share/grafana --config /etc/grafana/grafana.ini admin reset-admin-password --password-from-stdin >/dev/null && echo 'iiotmon: Grafana admin password set'";
