import * as pulumi from "@pulumi/pulumi";
import { loadProgramInputs } from "./programInputs";
import { buildStack } from "./stack";

const outputs = buildStack(loadProgramInputs(new pulumi.Config()));

export const deviceCount = outputs.deviceCount;
export const sites = outputs.sites;
