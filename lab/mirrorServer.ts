import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { BRIDGE_IP, MIRROR_DIR, MIRROR_PORT } from "./paths";

/** A release mirror on the lab bridge that counts the bytes it sends to each device. */
export class MirrorServer {
    readonly bytesByClient = new Map<string, number>();
    private server?: http.Server;

    get baseUrl(): string {
        return `http://${BRIDGE_IP}:${MIRROR_PORT}`;
    }

    start(): Promise<void> {
        this.server = http.createServer((req, res) => {
            const rel = path.normalize(decodeURIComponent((req.url ?? "/").split("?")[0])).replace(/^(\.\.[/\\])+/, "");
            const file = path.join(MIRROR_DIR, rel);
            if (!file.startsWith(MIRROR_DIR) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
                res.writeHead(404).end("not found\n");
                return;
            }
            const body = fs.readFileSync(file);
            const client = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
            this.bytesByClient.set(client, (this.bytesByClient.get(client) ?? 0) + body.length);
            res.writeHead(200, { "content-type": "application/gzip", "content-length": body.length }).end(body);
        });
        return new Promise((resolve, reject) => {
            this.server!.once("error", reject);
            this.server!.listen(MIRROR_PORT, BRIDGE_IP, () => resolve());
        });
    }

    bytesSentTo(ip: string): number {
        return this.bytesByClient.get(ip) ?? 0;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}

if (require.main === module) {
    // `npm run lab -- up` runs the mirror as its own process, so it outlives the command.
    void new MirrorServer().start().then(() => console.log(`lab mirror on http://${BRIDGE_IP}:${MIRROR_PORT}`));
}
