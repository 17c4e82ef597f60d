import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./exec";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

/** One object the server stored, from its S3 event notification. */
export interface StoredObject {
    readonly key: string;
    readonly size: number;
    /** ObjectCreated:Put, or ObjectCreated:Post for a completed multipart upload. */
    readonly event: string;
}

interface S3Event {
    Records: { eventName: string; s3: { object: { key: string; size: number } } }[];
}

/**
 * An S3-compatible server (s3rver) on loopback, over HTTPS with a throw-away self-signed certificate.
 * HTTPS because restic's S3 client (minio-go) signs plain-HTTP uploads in the aws-chunked streaming
 * format, which s3rver stores verbatim (chunk signatures inside the object); over TLS it sends the
 * body as it is, as it does against AWS (whose bucket policy here refuses plain HTTP anyway).
 * restic (Go) trusts the certificate through SSL_CERT_FILE. It runs in this process: run the
 * scripts that talk to it asynchronously (spawn, not spawnSync).
 */
export class S3Server {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
    readonly certFile = path.join(this.dir, "cert.pem");
    /** Every object stored since start, in order. */
    readonly stored: StoredObject[] = [];
    private server?: { run(): Promise<unknown>; close(): Promise<unknown>; on(event: string, f: (e: S3Event) => void): void };

    constructor(
        readonly port: number,
        readonly bucket: string,
    ) {}

    get endpoint(): string {
        return `https://127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        const key = path.join(this.dir, "key.pem");
        run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", this.certFile, "-days", "2", "-subj", "/CN=s3rver", "-addext", "subjectAltName=IP:127.0.0.1"]);
        const data = path.join(this.dir, "data");
        fs.mkdirSync(data);
        this.server = new S3rver({ port: this.port, address: "127.0.0.1", silent: true, directory: data, key: fs.readFileSync(key), cert: fs.readFileSync(this.certFile), configureBuckets: [{ name: this.bucket }] });
        this.server!.on("event", (e: S3Event) => {
            for (const r of e.Records) if (r.eventName.startsWith("ObjectCreated")) this.stored.push({ key: decodeURIComponent(r.s3.object.key), size: Number(r.s3.object.size), event: r.eventName });
        });
        await this.server!.run();
    }

    /** The keys in the bucket now, sorted. */
    keys(): string[] {
        const base = path.join(this.dir, "data", this.bucket);
        const out: string[] = [];
        const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : out.push(path.join(d, e.name))));
        if (fs.existsSync(base)) walk(base);
        return out.filter((f) => f.endsWith("._S3rver_object")).map((f) => path.relative(base, f).replace(/\._S3rver_object$/, "")).sort();
    }

    async stop(): Promise<void> {
        await this.server?.close();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
