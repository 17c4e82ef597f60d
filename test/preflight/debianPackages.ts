/**
 * Which Debian 12 package provides each program the tests and the lab start (read off `dpkg -S` on
 * Debian 12). A program the scan finds that is not here fails the preflight test, so this table cannot
 * fall behind the source; it only says where a program comes from, never which programs there are.
 */
export const PACKAGE_OF: Readonly<Record<string, string>> = {
    amtool: "prometheus-alertmanager",
    "prometheus-alertmanager": "prometheus-alertmanager",
    blkid: "util-linux",
    bash: "bash",
    busybox: "busybox",
    caddy: "caddy",
    chown: "coreutils",
    chroot: "coreutils",
    "cloud-init": "cloud-init",
    curl: "curl",
    dash: "dash",
    debootstrap: "debootstrap",
    df: "coreutils",
    diff: "diffutils",
    dropbear: "dropbear-bin",
    dropbearkey: "dropbear-bin",
    findmnt: "util-linux",
    flock: "util-linux",
    git: "git",
    initdb: "postgresql",
    ip: "iproute2",
    jsonnet: "jsonnet",
    losetup: "mount",
    "mkfs.ext4": "e2fsprogs",
    mount: "mount",
    mountpoint: "util-linux",
    nologin: "login",
    npm: "nodejs",
    openssl: "openssl",
    pg_ctl: "postgresql",
    ping: "iputils-ping",
    prometheus: "prometheus",
    promtool: "prometheus",
    "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
    "prometheus-node-exporter": "prometheus-node-exporter",
    "prometheus-snmp-exporter": "prometheus-snmp-exporter",
    resize2fs: "e2fsprogs",
    restic: "restic",
    runuser: "util-linux",
    script: "bsdutils",
    sftp: "openssh-client",
    sh: "dash",
    shellcheck: "shellcheck",
    snmpd: "snmpd",
    snmpget: "snmp",
    ssh: "openssh-client",
    "ssh-add": "openssh-client",
    "ssh-agent": "openssh-client",
    "ssh-keygen": "openssh-client",
    "systemd-nspawn": "systemd-container",
    tar: "tar",
    umount: "mount",
    xfs_growfs: "xfsprogs",
    zdump: "libc-bin",
    zic: "libc-bin",
};

/** Debian's Essential packages: on every Debian system, so .ci/run need not name them. */
export const ESSENTIAL = new Set(["bash", "bsdutils", "coreutils", "dash", "diffutils", "libc-bin", "login", "tar", "util-linux"]);

/**
 * What a fresh machine of this kind brings itself (its Node.js 20 and npm come from NodeSource, not
 * from Debian): .ci/run must not apt-get them, or Debian's older Node.js would replace it.
 */
export const MACHINE_OWN = new Set(["nodejs"]);
