import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { isIPv6 } from "net";
import { withoutComment } from "../infra/common";
import { ec2AssumeRolePolicy, hostBackupPolicy, hostLongTermStorePolicy, renderCloudInit, growOnlyVolumeSize, HostIngressRule } from "../infra/host";

/** The tag that finds the stack's data volume in AWS, to read its current size before asking for one. */
export const DATA_VOLUME_TAG = "iiotmon:data-volume";

/** Arguments of a MonitoringHost. */
export interface MonitoringHostArgs {
    /** Pinned AMI (Ubuntu LTS); a new one replaces the instance (the data volume stays). */
    readonly amiId: pulumi.Input<string>;
    /** EC2 instance type, e.g. `t3.medium` (sizeHost, or the instanceType setting). */
    readonly instanceType: string;
    /** The data volume size the fleet or the settings ask for, in GiB; the volume never shrinks below its current size. */
    readonly dataVolumeGiB: number;
    /** A subnet; defaults to the default VPC's subnet in its first availability zone. */
    readonly subnetId?: string;
    /** The security group's ingress rules (hostIngressRules); none opens Grafana's own port. */
    readonly ingress: readonly HostIngressRule[];
    /**
     * Where `pulumi up` reaches the host's SSH when it has no public ingress: the local end of an SSM
     * port forward. Defaults to the Elastic IP, port 22.
     */
    readonly sshTunnel?: { readonly host: string; readonly port: number };
    /** Where the host may connect to (devices, packages, S3). */
    readonly egressCidrs: readonly string[];
    /** The backup bucket the host may write to. */
    readonly backupBucketArn: pulumi.Input<string>;
    /** A throw-away stack: the data volume is deleted with the stack. Production protects it. */
    readonly testStack: boolean;
    /**
     * The long-term store's AMP workspace (LongTermStore.arn): the role may write to it and query it, and
     * containers may reach the instance metadata service for those credentials. Defaults to none.
     */
    readonly longTermStoreArn?: pulumi.Input<string>;
    /** AWS tags on every resource that takes them, beside `iiotmon:component`. Defaults to none. */
    readonly tags?: Record<string, string>;
}

/** Where the host is and how to reach it over SSH, for the commands and the Docker provider. */
export interface HostAccess {
    readonly publicIp: pulumi.Output<string>;
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** The host's SSH host key, `ssh-ed25519 AAAA...`. */
    readonly hostKey: pulumi.Output<string>;
    /** The admin private key (secret). */
    readonly adminPrivateKey: pulumi.Output<string>;
}

/** The names of a MonitoringHost's children, from the component's name: the lab and tests find them by these. */
export function monitoringHostNames(name: string) {
    return {
        component: name,
        securityGroup: `${name}-sg`,
        /** One security group ingress rule, by the rule's name (hostIngressRules). */
        ingressRule: (ruleName: string) => `${name}-${ruleName}`,
        /** One egress rule, by its position in egressCidrs. */
        egressRule: (index: number) => `${name}-egress-${index}`,
        role: `${name}-role`,
        backupPolicy: `${name}-backups`,
        ssmPolicy: `${name}-ssm`,
        /** The role's access to the long-term store (longTermStoreArn). */
        longTermStorePolicy: `${name}-long-term-store`,
        instanceProfile: `${name}-profile`,
        dataVolume: `${name}-data`,
        hostKey: `${name}-host-key`,
        adminKey: `${name}-admin-key`,
        instance: name,
        dataAttachment: `${name}-data-attachment`,
        elasticIp: `${name}-ip`,
        elasticIpAssociation: `${name}-ip-association`,
        autoRecovery: `${name}-auto-recovery`,
        /** The readiness command (cloud-init done, Docker up). */
        ready: `${name}-ready`,
    } as const;
}

function cidrField(cidr: string): { cidrIpv4: string } | { cidrIpv6: string } {
    return isIPv6(cidr.split("/")[0]) ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
}

/**
 * The EC2 monitoring host: least-privilege security group, IMDSv2, encrypted root and a separate
 * encrypted data volume (kept when the instance is replaced), an Elastic IP, an instance profile that
 * can only write backups and use SSM, EC2 auto-recovery, and a readiness command that waits for
 * cloud-init and Docker.
 */
export class MonitoringHost extends pulumi.ComponentResource {
    /** Where the host is and how to reach it over SSH. */
    public readonly access: HostAccess;
    /** The EC2 instance's id (changes when the instance is replaced). */
    public readonly instanceId: pulumi.Output<string>;
    /** The EBS data volume's id (kept when the instance is replaced). */
    public readonly dataVolumeId: pulumi.Output<string>;
    /** The data volume's size in GiB once AWS has it (never less than it had). */
    public readonly dataVolumeGiB: pulumi.Output<number>;
    /** `ssh://ubuntu@IP`, known only once cloud-init and Docker are ready. */
    public readonly dockerHost: pulumi.Output<string>;
    /** The readiness command: anything that runs on the host comes after it. */
    public readonly ready: pulumi.Resource;

    constructor(name: string, args: MonitoringHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:MonitoringHost", name, {}, opts);
        const child = { parent: this };
        const tags = { ...args.tags, "iiotmon:component": name };
        const names = monitoringHostNames(name);

        const subnet = args.subnetId
            ? aws.ec2.getSubnetOutput({ id: args.subnetId }, child)
            : aws.ec2.getVpcOutput({ default: true }, child).apply((vpc) =>
                  aws.ec2
                      .getSubnetsOutput({ filters: [{ name: "vpc-id", values: [vpc.id] }, { name: "default-for-az", values: ["true"] }] }, child)
                      .apply((s) => aws.ec2.getSubnetOutput({ id: [...s.ids].sort()[0] }, child)),
              );

        const sg = new aws.ec2.SecurityGroup(names.securityGroup, { vpcId: subnet.vpcId, description: "iiot-monitoring host: HTTPS and SSH from admin CIDRs only", tags }, child);
        for (const rule of args.ingress) {
            new aws.vpc.SecurityGroupIngressRule(names.ingressRule(rule.name), { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: rule.port, toPort: rule.port, ...cidrField(rule.cidr), description: rule.description, tags }, child);
        }
        for (const [i, cidr] of args.egressCidrs.entries()) {
            new aws.vpc.SecurityGroupEgressRule(names.egressRule(i), { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 1, toPort: 65535, ...cidrField(cidr), description: "devices, packages, images, S3", tags }, child);
        }

        const role = new aws.iam.Role(names.role, { assumeRolePolicy: ec2AssumeRolePolicy(), tags }, child);
        new aws.iam.RolePolicy(names.backupPolicy, { role: role.name, policy: pulumi.output(args.backupBucketArn).apply(hostBackupPolicy) }, child);
        if (args.longTermStoreArn) {
            new aws.iam.RolePolicy(names.longTermStorePolicy, { role: role.name, policy: pulumi.output(args.longTermStoreArn).apply(hostLongTermStorePolicy) }, child);
        }
        new aws.iam.RolePolicyAttachment(names.ssmPolicy, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, child);
        const profile = new aws.iam.InstanceProfile(names.instanceProfile, { role: role.name, tags }, child);

        const keep = { protect: !args.testStack, retainOnDelete: !args.testStack };
        // Read the volume's current size from AWS: a smaller fleet must not ask AWS to shrink it, which
        // AWS refuses. Before the first `up` nothing matches, and the look-up answers an empty list
        // (terraform-provider-aws internal/service/ec2/ebs_volumes_data_source.go sets `ids` from
        // findEBSVolumes without a not-found error; the SDK doc's "will fail if no volumes match" is
        // older than that).
        const volumeKey = `${pulumi.getProject()}/${pulumi.getStack()}/${names.dataVolume}`;
        const currentSizes = aws.ebs
            .getEbsVolumesOutput({ tags: { [DATA_VOLUME_TAG]: volumeKey } }, child)
            .apply((found) => pulumi.all([...(found.ids ?? [])].sort().map((id) => aws.ebs.getVolumeOutput({ filters: [{ name: "volume-id", values: [id] }] }, child).size)));
        const dataVolumeGiB = currentSizes.apply((sizes) => {
            const r = growOnlyVolumeSize(args.dataVolumeGiB, sizes);
            if (r.note) pulumi.log.warn(r.note, this);
            return r.sizeGiB;
        });
        const volume = new aws.ebs.Volume(
            names.dataVolume,
            { availabilityZone: subnet.availabilityZone, size: dataVolumeGiB, type: "gp3", encrypted: true, tags: { ...tags, Name: names.dataVolume, [DATA_VOLUME_TAG]: volumeKey } },
            { ...child, ...keep },
        );

        const hostKey = new tls.PrivateKey(names.hostKey, { algorithm: "ED25519" }, child);
        const adminKey = new tls.PrivateKey(names.adminKey, { algorithm: "ED25519" }, child);
        // A bootstrap that depends on nothing but the two keys: settings, scripts and the fleet reach the
        // host through HostConfiguration, in place, so none of them replaces the instance.
        const userData = pulumi.secret(
            pulumi
                .all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh, adminKey.publicKeyOpenssh])
                .apply(([priv, pub, admin]) => renderCloudInit({ hostKey: { privateOpenssh: priv, publicOpenssh: pub }, adminPublicKey: admin })),
        );
        const instance = new aws.ec2.Instance(
            names.instance,
            {
                ami: args.amiId,
                instanceType: args.instanceType,
                subnetId: subnet.id,
                vpcSecurityGroupIds: [sg.id],
                iamInstanceProfile: profile.name,
                // Prometheus and Grafana sign for AMP from their containers, one network hop past the
                // instance: "When running in a Docker container, all network requests will incur an
                // additional hop. When combined with the default IMDS hop limit of 1, this will cause
                // requests to IMDS to timeout" (AWS SDK, IMDS client). Without a long-term store, 1.
                metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: args.longTermStoreArn ? 2 : 1 },
                rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 20, deleteOnTermination: true },
                maintenanceOptions: { autoRecovery: "default" },
                userData,
                userDataReplaceOnChange: true,
                tags: { ...tags, Name: name },
            },
            // The data volume can be attached to one instance at a time: the old one goes first.
            { ...child, deleteBeforeReplace: true },
        );
        const attachment = new aws.ec2.VolumeAttachment(names.dataAttachment, { deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true }, { ...child, deleteBeforeReplace: true });
        const eip = new aws.ec2.Eip(names.elasticIp, { domain: "vpc", tags }, child);
        const association = new aws.ec2.EipAssociation(names.elasticIpAssociation, { allocationId: eip.id, instanceId: instance.id }, child);
        new aws.cloudwatch.MetricAlarm(
            names.autoRecovery,
            {
                alarmDescription: "Recover the monitoring host when AWS's system status check fails",
                namespace: "AWS/EC2",
                metricName: "StatusCheckFailed_System",
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 2,
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                dimensions: { InstanceId: instance.id },
                alarmActions: [pulumi.interpolate`arn:aws:automate:${aws.config.region}:ec2:recover`],
                tags,
            },
            child,
        );

        const pinnedHostKey = hostKey.publicKeyOpenssh.apply(withoutComment);
        const sshHost = args.sshTunnel ? pulumi.output(args.sshTunnel.host) : eip.publicIp;
        const connection: command.types.input.remote.ConnectionArgs = {
            host: sshHost,
            ...(args.sshTunnel ? { port: args.sshTunnel.port } : {}),
            user: "ubuntu",
            privateKey: adminKey.privateKeyOpenssh,
            hostKey: pinnedHostKey,
            // A new instance takes a few minutes to boot and run cloud-init.
            dialErrorLimit: 40,
            perDialTimeout: 10,
        };
        const ready = new command.remote.Command(
            names.ready,
            {
                connection,
                create: pulumi.interpolate`cloud-init status --wait >/dev/null || { cloud-init status --long >&2; exit 1; }; sudo -n docker info --format '{{.ServerVersion}}' >/dev/null && echo ssh://ubuntu@${sshHost}${args.sshTunnel ? `:${args.sshTunnel.port}` : ""}`,
                // Re-run for a new instance, and for a new association: the Elastic IP must point at the
                // instance before this connects (to the EIP) and before anything trusts the answer.
                triggers: [instance.id, association.id],
                addPreviousOutputInEnv: false,
            },
            { ...child, dependsOn: [instance, association, attachment] },
        );
        this.access = { publicIp: eip.publicIp, connection, hostKey: pinnedHostKey, adminPrivateKey: pulumi.secret(adminKey.privateKeyOpenssh) };
        this.instanceId = instance.id;
        this.dataVolumeId = volume.id;
        // From the volume resource, so whatever grows the file system runs after AWS grew the volume.
        this.dataVolumeGiB = volume.size;
        this.ready = ready;
        this.dockerHost = ready.stdout.apply((out) => out.trim().split("\n").pop() ?? "");
        this.registerOutputs({
            publicIp: this.access.publicIp,
            hostKey: this.access.hostKey,
            adminPrivateKey: this.access.adminPrivateKey,
            instanceId: this.instanceId,
            dataVolumeId: this.dataVolumeId,
            dataVolumeGiB: this.dataVolumeGiB,
            dockerHost: this.dockerHost,
        });
    }
}
