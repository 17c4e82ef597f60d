import { REMOTE_COMMAND_LIMIT_BYTES, USABLE_HOST_KEY_TYPES, USER_DATA_LIMIT_BYTES } from "./limits";

/**
 * The stack's invariants as pure functions of a resource's type and inputs: each returns the problems
 * it finds (empty when the resource complies). The policy pack (policies.ts) runs them on real previews;
 * the stack tests run the same functions on the program under mocks.
 */
export type Props = Record<string, unknown>;
export type Rule = (type: string, props: Props) => string[];

const COMMAND = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";
const INSTANCE = "aws:ec2/instance:Instance";

function obj(v: unknown): Props | undefined {
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Props) : undefined;
}

/** Every pinned host key of a command (its own and its proxy's) is of a type the provider can verify. */
export const hostKeyTypes: Rule = (type, props) => {
    if (type !== COMMAND && type !== COPY) return [];
    const problems: string[] = [];
    const connection = obj(props.connection);
    for (const [where, conn] of [["connection", connection], ["connection.proxy", obj(connection?.proxy)]] as const) {
        const key = conn?.hostKey;
        if (typeof key !== "string") continue;
        const keyType = key.trim().split(/\s+/)[0];
        if (!USABLE_HOST_KEY_TYPES.includes(keyType)) {
            problems.push(
                `${where}.hostKey is a "${keyType}" key: the command provider would only accept that type, and ` +
                    `${keyType === "ssh-rsa" ? "OpenSSH 8.8+ refuses ssh-rsa (SHA-1) signatures" : "it cannot verify it"}; ` +
                    `pin the device's ed25519 or ECDSA key instead (ssh-keyscan -t ed25519 ADDRESS)`,
            );
        }
    }
    return problems;
};

/** Every command line of a remote command fits Dropbear's limit; large scripts travel on stdin. */
export const remoteCommandLength: Rule = (type, props) => {
    if (type !== COMMAND) return [];
    return ["create", "update", "delete"].flatMap((k) => {
        const v = props[k];
        if (typeof v !== "string") return [];
        const bytes = Buffer.byteLength(v, "utf8");
        return bytes > REMOTE_COMMAND_LIMIT_BYTES
            ? [`${k} is ${bytes} bytes; SSH servers such as Dropbear refuse commands over ${REMOTE_COMMAND_LIMIT_BYTES} bytes: send the script on stdin`]
            : [];
    });
};

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** No ingress rule lets the whole internet in. */
export const noWorldOpenIngress: Rule = (type, props) => {
    const open = (cidrs: unknown[]) => cidrs.filter((c): c is string => typeof c === "string" && WORLD.has(c));
    let found: string[] = [];
    if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") found = open([props.cidrIpv4, props.cidrIpv6]);
    else if (type === "aws:ec2/securityGroupRule:SecurityGroupRule" && props.type === "ingress") found = open([...((props.cidrBlocks as unknown[]) ?? []), ...((props.ipv6CidrBlocks as unknown[]) ?? [])]);
    else if (type === "aws:ec2/securityGroup:SecurityGroup") {
        for (const rule of (props.ingress as Props[] | undefined) ?? []) found.push(...open([...((rule.cidrBlocks as unknown[]) ?? []), ...((rule.ipv6CidrBlocks as unknown[]) ?? [])]));
    }
    return found.map((c) => `ingress from ${c} opens the host to the whole internet; allow only the admin CIDRs`);
};

/** Instances require IMDSv2 session tokens (no IMDSv1, which SSRF can reach). */
export const imdsV2Required: Rule = (type, props) => {
    if (type !== INSTANCE && type !== "aws:ec2/launchTemplate:LaunchTemplate") return [];
    return obj(props.metadataOptions)?.httpTokens === "required" ? [] : ['metadataOptions.httpTokens must be "required" (IMDSv2 only)'];
};

/** Every EBS volume, root or data, is encrypted. */
export const encryptedStorage: Rule = (type, props) => {
    if (type === "aws:ebs/volume:Volume") return props.encrypted === true ? [] : ["the EBS volume must set encrypted: true"];
    if (type !== INSTANCE) return [];
    const problems: string[] = [];
    if (obj(props.rootBlockDevice)?.encrypted !== true) problems.push("rootBlockDevice.encrypted must be true");
    ((props.ebsBlockDevices as Props[] | undefined) ?? []).forEach((d, i) => {
        if (d.encrypted !== true) problems.push(`ebsBlockDevices[${i}].encrypted must be true`);
    });
    return problems;
};

/** Raw user data fits AWS's 16 KB. */
export const userDataSize: Rule = (type, props) => {
    if (type !== INSTANCE && type !== "aws:ec2/launchTemplate:LaunchTemplate") return [];
    const sizes: [string, number][] = [];
    if (typeof props.userData === "string") sizes.push(["userData", Buffer.byteLength(props.userData, "utf8")]);
    if (typeof props.userDataBase64 === "string") sizes.push(["userDataBase64 (decoded)", Buffer.from(props.userDataBase64, "base64").length]);
    return sizes.filter(([, n]) => n > USER_DATA_LIMIT_BYTES).map(([k, n]) => `${k} is ${n} bytes; AWS accepts at most ${USER_DATA_LIMIT_BYTES} bytes of raw user data`);
};

/** Resource types whose `policy` input is an IAM policy document (JSON text, or an object before serialization). */
const IAM_POLICY_TYPES = new Set([
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:s3/bucketPolicy:BucketPolicy",
]);

/** An action that grants every action of a service, or of all services: `*`, `aps:*`, `aps:Remote*`... */
function wildcardAction(action: string): boolean {
    return action === "*" || /^[a-z0-9-]+:.*\*/.test(action);
}

/**
 * No IAM policy allows a wildcard action (`*`, `aps:*`, `s3:Get*`...): a wildcard grants actions AWS adds
 * later too (the host's AMP policy names aps:RemoteWrite and the four query actions). A Deny may use one
 * (the bucket's TLS-only policy denies s3:* without TLS): denying broadly only takes away.
 */
export const noWildcardActions: Rule = (type, props) => {
    if (!IAM_POLICY_TYPES.has(type)) return [];
    let doc: unknown = props.policy;
    if (typeof doc === "string") {
        try {
            doc = JSON.parse(doc);
        } catch {
            return []; // unknown during a preview, or not JSON: AWS refuses the latter itself
        }
    }
    const statements = obj(doc)?.Statement;
    const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
    return list.flatMap((st, i) => {
        const s = obj(st);
        if (!s || s.Effect !== "Allow") return [];
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        const found = actions.filter((a): a is string => typeof a === "string" && wildcardAction(a));
        const problems = found.map((a) => `Statement[${i}]${typeof s.Sid === "string" ? ` (${s.Sid})` : ""} allows the wildcard action "${a}"; name the actions (e.g. aps:RemoteWrite)`);
        if (s.NotAction !== undefined) problems.push(`Statement[${i}] allows NotAction, which grants every other action; name the actions`);
        return problems;
    });
};

/** Values that are secrets whatever field they sit in. */
const SECRET_LOOKING = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /^\$2[aby]\$\d\d\$/];

/**
 * Inputs this program always marks as secret, by resource type (the stack tests check that they do
 * arrive as secrets). A preview's policy sees secrets unwrapped, without a mark (@pulumi/policy
 * deserialize.js unpacks them), so the pack relies on this list; the tests use the real marks.
 */
export const SECRET_INPUTS: Readonly<Record<string, readonly string[]>> = {
    [COMMAND]: ["connection", "stdin"],
    [COPY]: ["connection"],
    [INSTANCE]: ["userData"],
    "docker:index/container:Container": ["envs"],
    "tls:index/certRequest:CertRequest": ["privateKeyPem"],
    "tls:index/selfSignedCert:SelfSignedCert": ["privateKeyPem"],
    "tls:index/locallySignedCert:LocallySignedCert": ["caPrivateKeyPem"],
};

/** Whether a dotted input path is under a field the program marks secret. */
export function declaredSecret(type: string, path: string): boolean {
    const top = path.split(/[.[]/)[0];
    return (SECRET_INPUTS[type] ?? []).includes(top);
}

function stringsOf(value: unknown, at = ""): [string, string][] {
    if (typeof value === "string") return [[at, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => stringsOf(v, `${at}[${i}]`));
    const o = obj(value);
    return o ? Object.entries(o).flatMap(([k, v]) => stringsOf(v, at ? `${at}.${k}` : k)) : [];
}

/** No private key or password hash sits in an input that is not secret (plain state, preview output). */
export function plaintextSecrets(type: string, props: Props, isSecret: (path: string) => boolean = (p) => declaredSecret(type, p)): string[] {
    return stringsOf(props)
        .filter(([p, v]) => SECRET_LOOKING.some((re) => re.test(v)) && !isSecret(p))
        .map(([p]) => `${p} holds a private key or password hash in plain text; make it a secret (pulumi.secret)`);
}

/** Every rule, by the name its policy has in the pack. */
export const RULES: Readonly<Record<string, Rule>> = {
    "ssh-host-key-type": hostKeyTypes,
    "remote-command-length": remoteCommandLength,
    "no-world-open-ingress": noWorldOpenIngress,
    "imdsv2-required": imdsV2Required,
    "encrypted-storage": encryptedStorage,
    "no-plaintext-secret": (type, props) => plaintextSecrets(type, props),
    "user-data-size": userDataSize,
    "no-wildcard-iam-actions": noWildcardActions,
};
