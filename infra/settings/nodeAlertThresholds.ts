/**
 * The node mixin's tunable thresholds (docs/node-mixin/config.libsonnet in prometheus/node_exporter),
 * under the mixin's own names, so an operator who knows the mixin knows ours. Each is a stack setting.
 */
export interface NodeAlertThresholds {
    /** Free space (%) under which NodeFilesystemSpaceFillingUp (24 h prediction) warns. */
    readonly fsSpaceFillingUpWarningThreshold: number;
    /** Free space (%) under which NodeFilesystemSpaceFillingUp (4 h prediction) is critical. */
    readonly fsSpaceFillingUpCriticalThreshold: number;
    /** Free space (%) under which NodeFilesystemAlmostOutOfSpace warns. */
    readonly fsSpaceAvailableWarningThreshold: number;
    /** Free space (%) under which NodeFilesystemAlmostOutOfSpace is critical. */
    readonly fsSpaceAvailableCriticalThreshold: number;
    /** CPU use (%) over which NodeCPUHighUsage fires. */
    readonly cpuHighUsageThreshold: number;
    /** 1-minute load per core over which NodeSystemSaturation fires. */
    readonly systemSaturationPerCoreThreshold: number;
    /** Memory use (%) over which NodeMemoryHighUtilization fires. */
    readonly memoryHighUtilizationThreshold: number;
    /** Disk IO queue (aqu-sz) over which NodeDiskIOSaturation fires. */
    readonly diskIOSaturationThreshold: number;
}

/** The mixin's defaults (config.libsonnet at node_exporter v1.12.1; test/upstream checks them). */
export const NODE_ALERT_DEFAULTS: NodeAlertThresholds = {
    fsSpaceFillingUpWarningThreshold: 40,
    fsSpaceFillingUpCriticalThreshold: 20,
    fsSpaceAvailableWarningThreshold: 5,
    fsSpaceAvailableCriticalThreshold: 3,
    cpuHighUsageThreshold: 90,
    systemSaturationPerCoreThreshold: 2,
    memoryHighUtilizationThreshold: 90,
    diskIOSaturationThreshold: 10,
};
