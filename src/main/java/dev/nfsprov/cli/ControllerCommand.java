package dev.nfsprov.cli;

import dev.nfsprov.controller.ProvisionerApp;
import dev.nfsprov.controller.ProvisionerSettings;
import dev.nfsprov.controller.UsageScanner;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.provision.ShareLocation;
import dev.nfsprov.provision.ShareMount;
import dev.nfsprov.share.DirectorySettings;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nfsprov controller}: the provisioner. Flags default to nfs-subdir-external-provisioner's environment
 * variables.
 */
@Command(
        name = "controller",
        mixinStandardHelpOptions = true,
        description = "Run the provisioner: a directory on the NFS share and a PersistentVolume for every claim "
                + "of its StorageClasses.")
final class ControllerCommand implements Callable<Integer> {

    @Option(
            names = "--nfs-server",
            defaultValue = "${env:NFS_SERVER}",
            description = "NFS server, as written into each PV (env NFS_SERVER)")
    String nfsServer;

    @Option(
            names = "--nfs-server-alias",
            split = ",",
            defaultValue = "${env:NFS_SERVER_ALIASES}",
            description = "other names of the NFS server that older volumes carry (PVs made by nfs-subdir with \"nas\""
                    + " where NFS_SERVER is now its address): they are reclaimed as the share's (env NFS_SERVER_ALIASES,"
                    + " comma-separated)")
    List<String> nfsServerAliases;

    @Option(
            names = "--nfs-path",
            defaultValue = "${env:NFS_PATH}",
            description = "exported path on the server (env NFS_PATH)")
    String nfsPath;

    @Option(
            names = "--provisioner-name",
            defaultValue = "${env:PROVISIONER_NAME}",
            description = "the name StorageClasses give as provisioner (env PROVISIONER_NAME)")
    String provisionerName;

    @Option(
            names = "--leader-election",
            defaultValue = "${env:ENABLE_LEADER_ELECTION:-true}",
            arity = "1",
            description = "elect a leader on a Lease, so replicas are safe (env ENABLE_LEADER_ELECTION, default true)")
    String leaderElection;

    @Option(
            names = "--mount-path",
            defaultValue = "${env:NFS_MOUNT_PATH:-/persistentvolumes}",
            description = "where the share is mounted in this process (default /persistentvolumes)")
    Path mountPath;

    @Mixin
    MoreShares moreShares;

    @Option(
            names = "--default-mode",
            defaultValue = "${env:NFS_DEFAULT_MODE}",
            description = "mode of new directories (env NFS_DEFAULT_MODE, default 0777)")
    String defaultMode;

    @Option(
            names = "--default-uid",
            defaultValue = "${env:NFS_DEFAULT_UID}",
            description = "owner of new directories (env NFS_DEFAULT_UID)")
    String defaultUid;

    @Option(
            names = "--default-gid",
            defaultValue = "${env:NFS_DEFAULT_GID}",
            description = "group of new directories (env NFS_DEFAULT_GID)")
    String defaultGid;

    @Mixin
    KubeOptions kube;

    @Option(
            names = "--metrics-address",
            defaultValue = "${env:METRICS_ADDRESS:-:8080}",
            description = "HOST:PORT for /metrics, /healthz, /readyz (default :8080)")
    String metricsAddress;

    @Option(
            names = "--probe-address",
            defaultValue = "${env:PROBE_ADDRESS}",
            description = "HOST:PORT for /healthz and /readyz alone, for the kubelet's probes (the chart's :8081):"
                    + " nothing done to the metrics port can fail them (default: none)")
    String probeAddress;

    @Option(names = "--log-format", defaultValue = "text", description = "text or json")
    String logFormat;

    @Option(names = "--log-level", defaultValue = "info", description = "debug, info, warn or error")
    String logLevel;

    @Option(names = "--workers", defaultValue = "16", description = "claims and volumes worked on at once (default 16)")
    int workers;

    @Option(
            names = "--usage-scan-interval",
            defaultValue = "${env:NFSPROV_USAGE_SCAN_INTERVAL:-10m}",
            description = "pause between two passes measuring every volume; 0 turns usage scans off (default 10m)")
    String usageInterval;

    @Option(
            names = "--usage-scan-rate",
            defaultValue = "${env:NFSPROV_USAGE_SCAN_RATE:-5000}",
            description = "entries a second the usage scan may read, over all its walkers; 0: no limit (default 5000)")
    double usageRate;

    @Option(
            names = "--usage-scan-workers",
            defaultValue = "${env:NFSPROV_USAGE_SCAN_WORKERS:-1}",
            description = "volumes measured at once (default 1)")
    int usageWorkers;

    @Option(
            names = "--usage-scan-max-entries",
            defaultValue = "${env:NFSPROV_USAGE_SCAN_MAX_ENTRIES:-1000000}",
            description = "entries read (and directories re-opened) in one volume per pass; beyond it the figure is a"
                    + " minimum (default 1000000)")
    long usageMaxEntries;

    @Option(
            names = "--usage-thresholds",
            defaultValue = "${env:NFSPROV_USAGE_THRESHOLDS:-80,100}",
            description = "percentages of a claim's request that post an Event when crossed (default 80,100)")
    String usageThresholds;

    @Option(
            names = "--watch-list",
            defaultValue = "${env:NFSPROV_WATCH_LIST:-auto}",
            description = "auto, true or false: caches filled by streaming lists (WatchList: one object at a time,"
                    + " so no page of a tenant's 1.5 MiB objects has to fit the heap); auto: on for Kubernetes 1.32"
                    + " and newer, where the API server enables it by default")
    String watchList;

    @Override
    public Integer call() throws Exception {
        if (!logFormat.equals("text") && !logFormat.equals("json"))
            throw new UserError("--log-format must be text or json, not \"" + logFormat + "\"");
        Logging.configure(logFormat, logLevel);
        ProvisionerSettings settings = settings();
        var client = kube.client(false);
        boolean streaming = streamingLists(client);
        client.getConfiguration().setWatchList(streaming); // read by each informer as it is made
        var app = new ProvisionerApp(settings, client);
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            app.close(); // SIGTERM: stop taking work, let running reconciles finish (3 s at most), then exit
            client.close();
            stopped.countDown();
        }));
        try {
            app.start();
        } catch (RuntimeException e) {
            String why = ApiErrors.describeAny(e);
            if (streaming && why.contains("sendInitialEvents"))
                why += " (the API server does not serve streaming lists: run with --watch-list=false)";
            throw new UserError("cannot start: " + why, 1);
        }
        stopped.await();
        return 0;
    }

    private static List<String> aliases(List<String> given) {
        if (given == null) return List.of();
        return given.stream().map(String::strip).filter(a -> !a.isEmpty()).toList();
    }

    /** Whether the caches are filled by streaming lists: --watch-list, or for auto the API server's version. */
    private boolean streamingLists(io.fabric8.kubernetes.client.KubernetesClient client) {
        switch (watchList.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            case "auto":
                break;
            default:
                throw new UserError("--watch-list must be auto, true or false, not \"" + watchList + "\"");
        }
        try {
            var v = client.getKubernetesVersion();
            int major = Integer.parseInt(v.getMajor().replaceAll("\\D", ""));
            int minor = Integer.parseInt(v.getMinor().replaceAll("\\D", ""));
            return major > 1 || (major == 1 && minor >= 32);
        } catch (RuntimeException e) {
            return false; // unknown: the paged lists every server serves
        }
    }

    ProvisionerSettings settings() {
        if (blank(provisionerName))
            throw new UserError("PROVISIONER_NAME (or --provisioner-name) is required, e.g. cluster.local/nfs-client");
        if (blank(nfsServer))
            throw new UserError("NFS_SERVER (or --nfs-server) is required: the NFS server's address as nodes reach it");
        if (blank(nfsPath))
            throw new UserError("NFS_PATH (or --nfs-path) is required: the exported path, e.g. /exported/path");
        if (!provisionerName.matches("[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?")) {
            throw new UserError("provisioner name \"" + provisionerName
                    + "\" is not valid: use letters, digits, '-', '_', '.', '/'");
        }
        boolean election = switch (leaderElection.strip().toLowerCase()) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default ->
                throw new UserError("ENABLE_LEADER_ELECTION (or --leader-election) must be true or false, not \""
                        + leaderElection + "\"");
        };
        List<ShareMount> shares;
        DirectorySettings defaults;
        try {
            shares = moreShares.with(
                    new ShareMount(
                            ShareMount.DEFAULT,
                            new ShareLocation(nfsServer.strip(), nfsPath.strip(), aliases(nfsServerAliases)),
                            mountPath),
                    false);
            defaults = DirectorySettings.DEFAULT.with(
                    emptyToNull(defaultMode), emptyToNull(defaultUid), emptyToNull(defaultGid), "NFS_DEFAULT_*");
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        for (ShareMount share : shares) {
            try {
                new Share(share.mountPath()).checkUsable();
            } catch (ShareException e) {
                throw new UserError((share.name().equals(ShareMount.DEFAULT) ? "" : "share " + share.name() + ": ")
                        + e.getMessage());
            }
        }
        if (workers < 1 || workers > 256) throw new UserError("--workers must be between 1 and 256");
        FlagValues.address("--metrics-address", "HOST:PORT or :PORT", metricsAddress, "0.0.0.0", -1);
        if (probeAddress != null && probeAddress.isBlank()) probeAddress = null;
        if (probeAddress != null)
            FlagValues.address("--probe-address", "HOST:PORT or :PORT", probeAddress, "0.0.0.0", -1);
        String namespace = firstNonBlank(System.getenv("POD_NAMESPACE"), inClusterNamespace(), "default");
        String identity = firstNonBlank(System.getenv("POD_NAME"), hostname()) + "_"
                + UUID.randomUUID().toString().substring(0, 8);
        return new ProvisionerSettings(
                provisionerName,
                shares,
                defaults,
                election,
                namespace,
                identity,
                metricsAddress,
                probeAddress,
                workers,
                usageSettings());
    }

    private UsageScanner.Settings usageSettings() {
        var interval = usageInterval.strip().equals("0")
                ? java.time.Duration.ZERO
                : FlagValues.duration(usageInterval, "--usage-scan-interval");
        if (usageRate < 0) throw new UserError("--usage-scan-rate must be 0 (no limit) or more");
        if (usageWorkers < 1 || usageWorkers > 64) throw new UserError("--usage-scan-workers must be between 1 and 64");
        if (usageMaxEntries < 1) throw new UserError("--usage-scan-max-entries must be 1 or more");
        var thresholds = new ArrayList<Integer>();
        for (String t : usageThresholds.split(",")) {
            if (t.isBlank()) continue;
            try {
                int v = Integer.parseInt(t.strip());
                if (v < 1 || v > 1000) throw new NumberFormatException();
                thresholds.add(v);
            } catch (NumberFormatException e) {
                throw new UserError(
                        "--usage-thresholds \"" + usageThresholds + "\" is not a list of percentages such as 80,100");
            }
        }
        return ProvisionerSettings.usage(interval, usageRate, usageWorkers, usageMaxEntries, List.copyOf(thresholds));
    }

    private static String inClusterNamespace() {
        try {
            return Files.readString(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace"))
                    .strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "nfsprov";
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String emptyToNull(String s) {
        return blank(s) ? null : s;
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) if (!blank(v)) return v;
        return null;
    }
}
