package dev.nfsprov.cli;

import dev.nfsprov.doctor.CapacityChecks;
import dev.nfsprov.doctor.Check;
import dev.nfsprov.doctor.ClusterChecks;
import dev.nfsprov.doctor.Controllers;
import dev.nfsprov.doctor.NfsChecks;
import dev.nfsprov.doctor.Report;
import dev.nfsprov.doctor.ShareChecks;
import dev.nfsprov.doctor.VolumeAccessChecks;
import dev.nfsprov.net.HostPort;
import dev.nfsprov.nfsprobe.NfsProbe;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.provision.ShareMount;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nfsprov doctor}: why claims are Pending, and whether the NFS server is fit. */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Explain every Pending claim and check the NFS server (reachable, NFSv4, export present).",
            "Without -n or -A: the kubeconfig context's namespace if it names one, else every namespace."
        })
final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    NamespaceOptions namespaces;

    @Option(
            names = "--nfs-server",
            paramLabel = "HOST[:PORT]",
            description = "NFS server to check (default: from the nfsprov Deployment)")
    String nfsServer;

    @Option(names = "--nfs-path", description = "exported path to look for (default: from the nfsprov Deployment)")
    String nfsPath;

    @Option(names = "--only", description = "cluster or nfs")
    String only;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "text",
            converter = Output.Converter.class,
            description = Output.DESCRIPTION)
    Output output;

    @Option(names = "--timeout", defaultValue = "3s", description = "bound for each network probe (default 3s)")
    String timeout;

    @Option(
            names = "--portmapper-port",
            defaultValue = "111",
            description = "where to ask for NFSv3's MOUNT service (default 111)")
    int portmapperPort;

    @Mixin
    KubeOptions kube;

    @picocli.CommandLine.Mixin
    ControllerNamespace controllerNamespace;

    @Override
    public Integer call() {
        if (only != null && !only.equals("cluster") && !only.equals("nfs"))
            throw new UserError("--only must be cluster or nfs, not \"" + only + "\"");
        String namespace = null;
        var probeTimeout = FlagValues.duration(timeout, "--timeout");
        var report = new Report();
        String server = nfsServer;
        String path = nfsPath;
        // the shares to look at: --nfs-server/--nfs-path, else each of the nfsprov Deployment's (the running one)
        List<ShareMount> more = List.of();
        if (!"nfs".equals(only)) {
            try (var client = kube.client(true)) {
                namespace = namespaces.resolve(kube, client, true);
                var cluster = new ClusterChecks(client, kube.source(), controllerNamespace.orAll());
                boolean reached = cluster.run(namespace, report);
                var main = reached ? cluster.controllers().main() : Optional.<Controllers.Controller>empty();
                if (main.isPresent() && server == null) {
                    var c = main.get();
                    server = c.nfsServer();
                    if (path == null) path = c.nfsPath();
                    more = c.moreShares();
                }
                if (main.isPresent()) new ShareChecks(client).run(main.get(), report);
                if (reached && only == null) {
                    HostPort nfs = server == null
                            ? new HostPort("", 2049)
                            : FlagValues.address("--nfs-server", "HOST or HOST:PORT", server, null, 2049);
                    new VolumeAccessChecks(client, nfs.host(), nfs.port(), probeTimeout)
                            .run(namespace, cluster.served(), report);
                    var probes = new LinkedHashMap<String, CapacityChecks.Share>();
                    shares(server, path, more)
                            .forEach((name, t) -> probes.put(
                                    name,
                                    new CapacityChecks.Share(
                                            new NfsProbe(t.at().host(), t.at().port(), probeTimeout), t.path())));
                    new CapacityChecks(client, probes).run(namespace, cluster.served(), report);
                }
            } catch (KubernetesClientException e) {
                report.add(Check.unknown("cluster", ApiErrors.describeAny(e)));
            }
        }
        if (!"cluster".equals(only)) {
            if (server == null) {
                report.add(Check.unknown(
                        "NFS server", "no --nfs-server given and no nfsprov Deployment to read NFS_SERVER from"));
            } else {
                for (Share t : shares(server, path, more).values())
                    new NfsChecks(t.at().host(), t.at().port(), portmapperPort, probeTimeout).run(t.path(), report);
            }
        }
        var out = spec.commandLine().getOut();
        if (output.text()) report.printText(out);
        else output.print(out, report.data());
        return report.exitCode();
    }

    /** A share as doctor reaches it. */
    private record Share(HostPort at, String path) {}

    /** The shares to check, by name: "default" (--nfs-server/--nfs-path or NFS_SERVER/NFS_PATH), then the others. */
    private static Map<String, Share> shares(String server, String path, List<ShareMount> more) {
        var out = new LinkedHashMap<String, Share>();
        if (server == null) return out;
        out.put(
                ShareMount.DEFAULT,
                new Share(FlagValues.address("--nfs-server", "HOST or HOST:PORT", server, null, 2049), path));
        for (ShareMount m : more)
            out.put(
                    m.name(),
                    new Share(
                            FlagValues.address(
                                    "share " + m.name(),
                                    "HOST or HOST:PORT",
                                    m.location().server(),
                                    null,
                                    2049),
                            m.location().exportPath()));
        return out;
    }
}
