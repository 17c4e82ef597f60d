import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./exec";

function pgBin(): string {
    const versions = fs.readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    if (!versions.length) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
    return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** A throw-away PostgreSQL server (Debian's) on a Unix socket and a loopback port, run as the postgres user. */
export class PostgresServer {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-"));
    private readonly bin = pgBin();

    constructor(readonly port: number) {}

    private asPostgres(cmd: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
        // starts: /usr/lib/postgresql/15/bin/initdb /usr/lib/postgresql/15/bin/pg_ctl
        const r = spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8", input, cwd: "/" });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    start(): void {
        fs.chmodSync(this.dir, 0o755);
        run("chown", ["postgres:postgres", this.dir]);
        const data = path.join(this.dir, "data");
        const init = this.asPostgres(`${this.bin}/initdb`, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
        if (init.status !== 0) throw new Error(`initdb: ${init.stderr}`);
        const start = this.asPostgres(`${this.bin}/pg_ctl`, ["-D", data, "-l", path.join(this.dir, "log"), "-w", "-o", `-k ${this.dir} -p ${this.port} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
        if (start.status !== 0) throw new Error(`pg_ctl start: ${start.stderr}${fs.readFileSync(path.join(this.dir, "log"), "utf8")}`);
    }

    /** Runs SQL with psql (ON_ERROR_STOP) in a database; returns unaligned, tuples-only output. */
    psql(database: string, sql: string): string {
        const r = this.asPostgres("psql", ["-h", this.dir, "-p", String(this.port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-F", "|"], sql);
        if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
        return r.stdout.trim();
    }

    stop(): void {
        this.asPostgres(`${this.bin}/pg_ctl`, ["-D", path.join(this.dir, "data"), "-m", "immediate", "stop"]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
