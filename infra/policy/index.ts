import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

// Run by `pulumi preview --policy-pack infra/policy` (the pull-request workflow) after
// `npm ci --prefix infra/policy`.
new PolicyPack("iiot-monitoring", { policies: POLICIES });
