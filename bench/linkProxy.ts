import * as net from "net";

/**
 * A site's uplink, on loopback: a TCP relay between a collector and the receiver that counts the bytes
 * on the wire and, for each remote-write request, the size of its body before snappy compression (the
 * varint at the head of a snappy block is the uncompressed length). `cut()` drops every connection and
 * refuses new ones, as a link that went away; `restore()` brings it back.
 */
export class LinkProxy {
    wireBytesUp = 0;
    wireBytesDown = 0;
    bodyBytes = 0;
    uncompressedBytes = 0;
    requests = 0;
    private server?: net.Server;
    private readonly sockets = new Set<net.Socket>();

    constructor(
        readonly listenPort: number,
        readonly targetPort: number,
    ) {}

    async restore(): Promise<void> {
        if (this.server) return;
        const server = net.createServer((client) => this.relay(client));
        await new Promise<void>((resolve) => server.listen(this.listenPort, "127.0.0.1", () => resolve()));
        this.server = server;
    }

    async cut(): Promise<void> {
        const server = this.server;
        this.server = undefined;
        for (const s of this.sockets) s.destroy();
        this.sockets.clear();
        if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    snapshot(): { wire: number; body: number; uncompressed: number; requests: number } {
        return { wire: this.wireBytesUp + this.wireBytesDown, body: this.bodyBytes, uncompressed: this.uncompressedBytes, requests: this.requests };
    }

    private relay(client: net.Socket): void {
        const upstream = net.connect(this.targetPort, "127.0.0.1");
        this.sockets.add(client).add(upstream);
        const parser = new RequestSizes((body, uncompressed) => {
            this.requests++;
            this.bodyBytes += body;
            this.uncompressedBytes += uncompressed;
        });
        client.on("data", (d: Buffer) => {
            this.wireBytesUp += d.length;
            parser.push(d);
            upstream.write(d);
        });
        upstream.on("data", (d: Buffer) => {
            this.wireBytesDown += d.length;
            client.write(d);
        });
        const end = () => {
            client.destroy();
            upstream.destroy();
            this.sockets.delete(client);
            this.sockets.delete(upstream);
        };
        client.on("close", end).on("error", end);
        upstream.on("close", end).on("error", end);
    }
}

/** Follows HTTP/1.1 requests with a Content-Length body on one connection. */
class RequestSizes {
    private buffer = Buffer.alloc(0);
    private bodyLeft = 0;
    private bodyHead: Buffer[] = [];
    private bodySize = 0;

    constructor(private readonly onRequest: (body: number, uncompressed: number) => void) {}

    push(d: Buffer): void {
        this.buffer = Buffer.concat([this.buffer, d]);
        for (;;) {
            if (this.bodyLeft > 0) {
                const take = Math.min(this.bodyLeft, this.buffer.length);
                if (take === 0) return;
                if (this.bodyHead.reduce((n, b) => n + b.length, 0) < 10) this.bodyHead.push(this.buffer.subarray(0, Math.min(take, 10)));
                this.buffer = this.buffer.subarray(take);
                this.bodyLeft -= take;
                if (this.bodyLeft === 0) this.onRequest(this.bodySize, snappyLength(Buffer.concat(this.bodyHead)));
                continue;
            }
            const end = this.buffer.indexOf("\r\n\r\n");
            if (end < 0) return;
            const head = this.buffer.subarray(0, end).toString("latin1");
            this.buffer = this.buffer.subarray(end + 4);
            const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
            this.bodySize = length;
            this.bodyLeft = length;
            this.bodyHead = [];
            if (length === 0) continue;
        }
    }
}

/** The uncompressed length a snappy block starts with (a little-endian base-128 varint). */
function snappyLength(head: Buffer): number {
    let n = 0;
    for (let i = 0, shift = 0; i < head.length && i < 5; i++, shift += 7) {
        n += (head[i] & 0x7f) * 2 ** shift;
        if ((head[i] & 0x80) === 0) return n;
    }
    return 0;
}
