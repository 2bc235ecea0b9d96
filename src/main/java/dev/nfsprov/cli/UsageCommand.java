package dev.nfsprov.cli;

import dev.nfsprov.provision.ShareLocation;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.share.Throttle;
import dev.nfsprov.usage.UsageTable;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nfsprov usage}: what each volume holds against its request, as the controller last measured it. */
@Command(
        name = "usage",
        mixinStandardHelpOptions = true,
        description = {
            "Each nfsprov volume's request, usage and files, as the controller's last scan recorded them on the"
                    + " volume (nothing on the share is read), fullest first.",
            "--scan measures the directories now instead, through a local mount of the share."
        })
final class UsageCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    NamespaceOptions namespaces;

    @Option(names = "--sort", defaultValue = "use", description = "use (default), used, request, files or name")
    String sort;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "text",
            converter = Output.Converter.class,
            description = Output.DESCRIPTION)
    Output output;

    @Option(
            names = "--scan",
            description = "measure now through a local mount of the share (with --mount-path and --nfs-path)")
    boolean scan;

    @Option(names = "--mount-path", description = "where the share is mounted on this machine, for --scan")
    Path mountPath;

    @Option(names = "--nfs-path", description = "the exported path the volumes' nfs.path start with, for --scan")
    String nfsPath;

    @Mixin
    KubeOptions kube;

    @Override
    public Integer call() throws Exception {
        if (!UsageTable.SORTS.contains(sort))
            throw new UserError(
                    "--sort must be one of " + String.join(", ", UsageTable.SORTS) + ", not \"" + sort + "\"");
        if (scan && (mountPath == null || nfsPath == null))
            throw new UserError("--scan needs --mount-path (the share mounted here) and --nfs-path (its export path)");
        List<PersistentVolume> volumes;
        String namespace;
        String snapshots;
        try (var client = kube.client(true)) {
            namespace = namespaces.resolve(kube, client, true);
            volumes = client.persistentVolumes().list().getItems();
            snapshots = snapshots(client, namespace);
        } catch (KubernetesClientException e) {
            throw UserError.api("cannot list PersistentVolumes", e);
        }
        var rows = UsageTable.rows(volumes, namespace);
        if (scan) rows = measure(rows, volumes);
        rows = UsageTable.sorted(rows, sort);
        var out = spec.commandLine().getOut();
        if (!output.text()) output.print(out, UsageTable.objects(rows));
        else if (rows.isEmpty()) out.println("No nfsprov volumes" + (namespace == null ? "" : " in " + namespace));
        else out.print(table(rows, Instant.now()));
        if (output.text() && snapshots != null) out.println(snapshots);
        out.flush();
        return 0;
    }

    /**
     * One line on the ClaimSnapshots kept (they take room on the share too), or null when there are none, or the CRD
     * is not installed, or this identity may not list them.
     */
    private static String snapshots(io.fabric8.kubernetes.client.KubernetesClient client, String namespace) {
        List<dev.nfsprov.api.ClaimSnapshot> items;
        try {
            var op = client.resources(dev.nfsprov.api.ClaimSnapshot.class);
            items = (namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace))
                    .list()
                    .getItems();
        } catch (KubernetesClientException e) {
            return null;
        }
        var ready = items.stream()
                .filter(x -> x.getStatus() != null && x.getStatus().ready())
                .toList();
        if (items.isEmpty()) return null;
        long bytes = ready.stream()
                .mapToLong(
                        x -> x.getStatus().bytes() == null ? 0 : x.getStatus().bytes())
                .sum();
        return "ClaimSnapshots: " + ready.size() + " ready"
                + (items.size() > ready.size() ? ", " + (items.size() - ready.size()) + " not" : "")
                + ", holding " + dev.nfsprov.provision.Capacity.human(bytes) + " on the share (nfsprov snapshot list)";
    }

    static String table(List<UsageTable.Row> rows, Instant now) {
        var t = new Table(UsageTable.HEADERS);
        for (var r : rows) t.row(UsageTable.cells(r, now));
        return t.toString();
    }

    /** Measures each row's directory now; a progress line on a terminal, nothing else on stderr. */
    private List<UsageTable.Row> measure(List<UsageTable.Row> rows, List<PersistentVolume> volumes)
            throws InterruptedException {
        var share = new Share(mountPath);
        var err = spec.commandLine().getErr();
        boolean terminal = System.console() != null;
        List<UsageTable.Row> measured = new ArrayList<>();
        int done = 0;
        for (var r : rows) {
            if (terminal) {
                err.print("\rmeasuring " + (++done) + "/" + rows.size() + " " + r.namespace() + "/" + r.claim()
                        + "\033[K");
                err.flush();
            }
            var nfs = volumes.stream()
                    .filter(v -> v.getMetadata().getName().equals(r.volume()))
                    .findFirst()
                    .orElseThrow()
                    .getSpec()
                    .getNfs();
            var dir = new ShareLocation(nfs.getServer(), nfsPath).directoryOf(nfs.getServer(), nfs.getPath());
            if (dir.isEmpty()) {
                measured.add(r);
                continue;
            }
            try {
                var u = share.usage(dir.get(), Throttle.NONE);
                measured.add(new UsageTable.Row(
                        r.namespace(),
                        r.claim(),
                        r.volume(),
                        r.request(),
                        u.bytes(),
                        u.files(),
                        Instant.now(),
                        u.partial()));
            } catch (ShareException e) {
                err.println((terminal ? "\r\033[K" : "") + "nfsprov: " + r.namespace() + "/" + r.claim() + ": "
                        + e.getMessage());
                measured.add(r);
            }
        }
        if (terminal) err.print("\r\033[K");
        err.flush();
        return measured;
    }
}
