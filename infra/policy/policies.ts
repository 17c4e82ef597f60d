import type { ResourceValidationPolicy } from "@pulumi/policy";
import { RULES } from "./rules";

const DESCRIPTIONS: Record<keyof typeof RULES & string, string> = {
    "ssh-host-key-type": "SSH host keys pinned on commands are of a type the command provider can verify (no ssh-rsa).",
    "remote-command-length": "Remote command lines fit Dropbear's 9,000-byte limit; scripts go on stdin.",
    "no-world-open-ingress": "No security group ingress from 0.0.0.0/0 or ::/0.",
    "imdsv2-required": "EC2 instances require IMDSv2 tokens.",
    "encrypted-storage": "EBS volumes, root and data, are encrypted.",
    "no-plaintext-secret": "No private key or password hash in an input that is not a secret.",
    "user-data-size": "EC2 user data fits AWS's 16,384-byte limit.",
    "no-wildcard-iam-actions": "No IAM policy allows a wildcard action (*, aps:*, s3:Get*); actions are named.",
};

/** The pack's policies: each one a rule of rules.ts, mandatory. */
export const POLICIES: ResourceValidationPolicy[] = Object.entries(RULES).map(([name, rule]) => ({
    name,
    description: DESCRIPTIONS[name],
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const problem of rule(args.type, args.props)) reportViolation(problem);
    },
}));
