/**
 * The monitoring host's remote-write receiver, as seen by site collectors: a site of the Caddy in front
 * of Grafana, on its own port, that accepts exactly `POST /api/v1/write`, from the allowed networks,
 * with one collector's credentials, and forwards it to Prometheus (started with
 * `--web.enable-remote-write-receiver`, on the host's loopback only).
 *
 * Why Caddy and not Prometheus's own web config: Prometheus's `basic_auth_users` admits a user to every
 * endpoint (queries, the admin API) and cannot be limited to one path; a collector's credentials must
 * write and nothing else. Caddy answers everything but the write path with 404 before any credential is
 * checked, and a wrong or revoked credential with 401, without Prometheus ever seeing it.
 */

export interface CollectorCredential {
    /** `collector-<site>` (collectorUsername). */
    readonly username: string;
    /** bcrypt hash of the collector's password (a stack secret; the password itself never reaches the host). */
    readonly bcryptHash: string;
}

export interface RemoteWriteReceiverOptions {
    /** Port of the receiver site; the security group opens it to allowedCidrs only. */
    readonly port: number;
    /** Addresses the certificate names (the stack-CA mode's addresses, or the domain). */
    readonly addresses: readonly string[];
    /** TLS: certificate and key files as Caddy reads them; undefined: Caddy's ACME certificate for the domain. */
    readonly tls?: { readonly certFile: string; readonly keyFile: string };
    /** Prometheus as the proxy reaches it, host:port. */
    readonly upstream: string;
    readonly credentials: readonly CollectorCredential[];
    /** Networks collectors connect from; anything else gets 404 before credentials are checked. */
    readonly allowedCidrs: readonly string[];
}

/** Port of the receiver unless the settings say otherwise. */
export const DEFAULT_REMOTE_WRITE_PORT = 9443;
export const REMOTE_WRITE_PATH = "/api/v1/write";

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;
const USERNAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The shape only (Caddy checks the hash itself when it loads): a bcrypt hash starts $2a$, $2b$ or $2y$ and its cost. */
const BCRYPT = /^\$2[aby]\$\d\d\$\S+$/;

/**
 * The receiver's Caddyfile site block, for Caddy 2.6 (Debian's, which the lab runs) and 2.10 (the pinned
 * image): `basicauth` is 2.6's name, read by 2.8+ as an alias of `basic_auth`; the bcrypt hash is given as
 * `caddy hash-password` prints it (checked on 2.6 in test/lab/collectorOutage.test.ts).
 */
export function renderRemoteWriteSite(o: RemoteWriteReceiverOptions): string {
    if (o.credentials.length === 0) throw new Error("the remote-write receiver needs at least one collector credential");
    if (o.allowedCidrs.length === 0) throw new Error("the remote-write receiver needs at least one allowed network (collectorSourceCidrs)");
    for (const c of o.allowedCidrs) if (!CIDR.test(c)) throw new Error(`not a network in CIDR form: ${JSON.stringify(c)}`);
    for (const c of o.credentials) {
        if (!USERNAME.test(c.username)) throw new Error(`not a collector user name: ${JSON.stringify(c.username)}`);
        if (!BCRYPT.test(c.bcryptHash)) throw new Error(`the password hash of ${c.username} is not a bcrypt hash`);
    }
    const site = o.addresses.map((a) => `https://${a.includes(":") ? `[${a}]` : a}:${o.port}`).join(", ");
    const users = [...o.credentials].sort((a, b) => (a.username < b.username ? -1 : 1));
    return [
        `# Remote write from site collectors: POST ${REMOTE_WRITE_PATH} only, from the allowed networks, one user per site.`,
        `${site} {`,
        ...(o.tls ? [`\ttls ${o.tls.certFile} ${o.tls.keyFile}`] : []),
        // One matcher for path, method and source: Caddy orders directives itself (handle before abort or
        // respond), so a separate source check outside this handle would run after the proxy, too late.
        "\t@write {",
        "\t\tmethod POST",
        `\t\tpath ${REMOTE_WRITE_PATH}`,
        `\t\tremote_ip ${o.allowedCidrs.join(" ")}`,
        "\t}",
        "\thandle @write {",
        "\t\tbasicauth bcrypt iiot-monitoring {",
        ...users.map((u) => `\t\t\t${u.username} ${u.bcryptHash}`),
        "\t\t}",
        `\t\treverse_proxy ${o.upstream}`,
        "\t}",
        "\thandle {",
        "\t\theader -Server",
        "\t\trespond 404",
        "\t}",
        "}",
        "",
    ].join("\n");
}
