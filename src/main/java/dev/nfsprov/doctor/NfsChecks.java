package dev.nfsprov.doctor;

import dev.nfsprov.nfsprobe.NfsProbe;
import dev.nfsprov.oncrpc.RpcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Is this NFS server fit for nfsprov? Reachable, speaking NFSv4 (the guide's limitations: v3 loses writes), exporting
 * the path.
 */
public final class NfsChecks {

    static final String V3_REASONS =
            "NFSv3 has partial-write problems (files written by one node not seen whole by another) "
                    + "and permission problems (numeric ids, no ACLs); the Kubeflow on-prem guide recommends NFSv4";
    static final String ENABLE_V4 =
            "enable NFSv4 on the server: for nfs-kernel-server set vers4=y in the [nfsd] section of "
                    + "/etc/nfs.conf and restart nfs-server; for nfs-ganesha add 4 to NFS_CORE_PARAM Protocols";

    private final String host;
    private final int port;
    private final int portmapperPort;
    private final Duration timeout;

    public NfsChecks(String host, int port, int portmapperPort, Duration timeout) {
        this.host = host;
        this.port = port;
        this.portmapperPort = portmapperPort;
        this.timeout = timeout;
    }

    public void run(String path, Report report) {
        String where = host + ":" + port;
        var probe = new NfsProbe(host, port, timeout);
        String tcp = probe.tcpProblem();
        if (tcp != null) {
            report.add(Check.problem(
                    "NFS server " + where + " reachable",
                    tcp,
                    "check the address and port, that the NFS server runs, and that no firewall drops TCP " + port));
            return;
        }
        report.add(Check.ok("NFS server " + where + " reachable", "TCP connection accepted"));
        boolean v3;
        boolean v4;
        try {
            v3 = probe.speaks(3);
            v4 = probe.speaks(4);
        } catch (RpcException e) {
            report.add(Check.problem(
                    "NFS protocol",
                    "the port does not answer ONC RPC: " + e.getMessage(),
                    "is this the NFS port (usually 2049)?"));
            return;
        }
        List<Integer> minors = new ArrayList<>();
        if (v4) {
            for (int m = 0; m <= 2; m++) {
                try {
                    if (probe.compoundStatus(m) == NfsProbe.NFS4_OK) minors.add(m);
                } catch (RpcException e) {
                    // not this minor version
                }
            }
        }
        String versions = (v3 ? "3" : "")
                + (v3 && v4 ? ", " : "")
                + (v4
                        ? minors.stream()
                                .map(m -> "4." + m)
                                .reduce((a, b) -> a + ", " + b)
                                .orElse("4")
                        : "");
        if (!v3 && !v4) {
            report.add(Check.problem("NFS versions", "the server answers neither NFSv3 nor NFSv4", ENABLE_V4));
            return;
        }
        if (!v4) {
            report.add(Check.warning("NFS versions", "NFSv3 only: " + V3_REASONS, ENABLE_V4));
        } else if (!minors.contains(1) && !minors.contains(2)) {
            report.add(Check.warning(
                    "NFS versions",
                    "speaks " + versions + "; the chart's StorageClass mounts with nfsvers=4.1",
                    "enable NFSv4.1 on the server, or set storageClass.mountOptions to [nfsvers=4.0]"));
        } else {
            report.add(Check.ok("NFS versions", "speaks NFS " + versions));
        }
        if (path == null) return;
        if (v4 && minors.contains(0)) {
            try {
                long status = probe.lookupStatus(path);
                if (status == NfsProbe.NFS4_OK) {
                    report.add(Check.ok("export " + path, "found over NFSv4"));
                    squash(probe, path, report);
                } else if (status == NfsProbe.NFS4ERR_NOENT)
                    report.add(Check.problem(
                            "export " + path,
                            "not found in the server's NFSv4 namespace",
                            "check NFS_PATH / nfs.path against the server's exports (for ganesha the Pseudo path)"));
                else report.add(Check.unknown("export " + path, "NFSv4 LOOKUP answered status " + status));
            } catch (RpcException e) {
                report.add(Check.unknown("export " + path, e.getMessage()));
            }
        } else if (v3) {
            try {
                Optional<List<String>> exports = probe.v3Exports(portmapperPort);
                if (exports.isEmpty())
                    report.add(Check.unknown(
                            "export " + path, "no portmapper on " + host + ":" + portmapperPort + " to ask MOUNT"));
                else if (exports.get().contains(path))
                    report.add(Check.ok("export " + path, "in the MOUNT export list"));
                else
                    report.add(Check.problem(
                            "export " + path,
                            "not exported; the server exports " + exports.get(),
                            "add it to /etc/exports (and exportfs -ra), or fix NFS_PATH / nfs.path"));
            } catch (RpcException e) {
                report.add(Check.unknown("export " + path, e.getMessage()));
            }
        } else {
            report.add(Check.unknown("export " + path, "the server speaks no NFSv4.0 and no v3 to look it up with"));
        }
        if (v3) locking(probe, report);
    }

    static final String SQUASH_FIX = "export the share with no_root_squash (nfs-kernel-server: no_root_squash in"
            + " /etc/exports; ganesha: Squash = No_Root_Squash), or run the controller as the squashed uid"
            + " (podSecurityContext.runAsUser) with volumes mode 0777 (controller.defaultMode), which any Pod can"
            + " write but no owner can be given";

    /**
     * Root squash, seen as the controller meets it: a directory made as root in the export (and removed). Squashed,
     * the controller cannot give volumes owners (NFS_DEFAULT_UID/GID, the uid/gid annotations, ownership:
     * consumer), or cannot write at all when the export's directory is root's.
     */
    private static void squash(NfsProbe probe, String path, Report report) {
        try {
            var made = probe.squashProbe(path);
            if (made.status() == NfsProbe.NFS4ERR_ACCESS || made.status() == NfsProbe.NFS4ERR_PERM) {
                String dir = probe.attributes(path)
                        .map(a -> " (its directory's owner: " + a.owner() + ")")
                        .orElse("");
                report.add(Check.problem(
                        "root squash",
                        "root may not create in " + path + dir + ": the export squashes root and its directory is"
                                + " not writable for the squashed uid, so the controller cannot make volumes",
                        SQUASH_FIX));
            } else if (made.attributes() == null) {
                report.add(Check.unknown("root squash", "a test directory could not be made: status " + made.status()));
            } else if (made.attributes().rootOwned()) {
                report.add(Check.ok("root squash", "none: root keeps its id, so volumes can be given owners"));
            } else {
                report.add(Check.warning(
                        "root squash",
                        "the export squashes root: a directory made as root belongs to "
                                + made.attributes().owner()
                                + " (root_squash or all_squash). The controller cannot set owners: classes with"
                                + " ownership: consumer get mode 0777 instead, NFS_DEFAULT_UID/GID and the uid/gid"
                                + " annotations are not applied",
                        SQUASH_FIX));
            }
        } catch (RpcException e) {
            report.add(Check.unknown("root squash", e.getMessage()));
        }
    }

    /**
     * NFSv3 has no locking of its own: the lock manager and the status monitor must be registered with the
     * portmapper, or a database on an NFSv3 mount fails with "Unable to lock ./ibdata1 error: 11".
     */
    private void locking(NfsProbe probe, Report report) {
        try {
            Optional<Boolean> nlm = probe.registered(portmapperPort, NfsProbe.NLM, 4);
            Optional<Boolean> nsm = probe.registered(portmapperPort, NfsProbe.NSM, 1);
            if (nlm.isEmpty() || nsm.isEmpty()) {
                report.add(Check.unknown(
                        "NFSv3 locking", "no portmapper on " + host + ":" + portmapperPort + " to ask for NLM"));
                return;
            }
            List<String> missing = new java.util.ArrayList<>();
            if (!nlm.get()) missing.add("the lock manager (NLM, program 100021)");
            if (!nsm.get()) missing.add("the status monitor (NSM, program 100024)");
            if (missing.isEmpty()) {
                report.add(Check.ok("NFSv3 locking", "the lock manager and the status monitor are registered"));
            } else {
                report.add(Check.warning(
                        "NFSv3 locking",
                        String.join(" and ", missing) + " not registered with the portmapper: file locks over NFSv3"
                                + " fail, and databases with them (MySQL: \"Unable to lock ./ibdata1 error: 11\")",
                        "mount with NFSv4 (storageClass.mountOptions={nfsvers=4.1}: locking is part of the protocol),"
                                + " or run rpc.statd and the lock manager on the server"));
            }
        } catch (RpcException e) {
            report.add(Check.unknown("NFSv3 locking", e.getMessage()));
        }
    }
}
