import * as path from "path";
import { PROJECT_ROOT } from "../infra/common/projectRoot";

/** Everything the lab makes lives here (git-ignored): the cached image, devices, keys, mirror and state. */
export const LAB_DIR = process.env.IIOTMON_LAB_DIR ?? path.join(PROJECT_ROOT, ".lab");
export const CACHE_DIR = path.join(LAB_DIR, "cache");
export const BASE_ROOTFS = path.join(CACHE_DIR, "bookworm-base");
export const DEVICES_DIR = path.join(LAB_DIR, "devices");
export const MIRROR_DIR = path.join(LAB_DIR, "mirror");
export const STATE_DIR = path.join(LAB_DIR, "state");
export const SSH_KEY = path.join(LAB_DIR, "ssh", "id_ed25519");

/** The lab bridge: devices get 10.213.0.10 and up; the host side (mirror, Prometheus) is .1. */
export const BRIDGE = "iiotlab0";
export const BRIDGE_IP = "10.213.0.1";
export const SUBNET_PREFIX = "10.213.0.";
export const MIRROR_PORT = 8099;
