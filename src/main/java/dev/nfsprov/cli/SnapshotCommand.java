package dev.nfsprov.cli;

import dev.nfsprov.api.ClaimSnapshot;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nfsprov snapshot create|list|delete}: ClaimSnapshots for administrators (tenants can use kubectl). */
@Command(
        name = "snapshot",
        mixinStandardHelpOptions = true,
        description = {
            "Take, list and delete ClaimSnapshots: point-in-time copies of a claim kept on its share, which a new"
                    + " claim restores with a dataSourceRef (apiGroup nfsprov.dev, kind ClaimSnapshot)."
        },
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class, SnapshotCommand.Delete.class})
final class SnapshotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCode.REFUSED;
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Take a snapshot of CLAIM; with --wait, return once it is ready (or say why it is not).",
            })
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CLAIM", description = "the claim to copy")
        String claim;

        @Option(names = "--name", description = "the snapshot's name (default: CLAIM-YYYYMMDD-HHMMSS)")
        String name;

        @Option(
                names = "--retention",
                description =
                        "keep it this long after it is taken (30d, 12h, 90m; default: the class's snapshotRetention)")
        String retention;

        @Option(names = "--wait", description = "wait until it is ready, at most this long (e.g. 10m)")
        String wait;

        @Option(
                names = {"-n", "--namespace"},
                paramLabel = "NAMESPACE",
                description = "the claim's namespace (default: the kubeconfig context's namespace)")
        String namespace;

        @Mixin
        KubeOptions kube;

        @Override
        public Integer call() throws Exception {
            var out = spec.commandLine().getOut();
            try (var client = kube.client(true)) {
                String ns = namespace(kube, client, namespace);
                if (client.persistentVolumeClaims()
                                .inNamespace(ns)
                                .withName(claim)
                                .get()
                        == null) throw new UserError("claim " + ns + "/" + claim + " does not exist");
                String n = name != null
                        ? name
                        : claim + "-"
                                + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                                        .withZone(java.time.ZoneOffset.UTC)
                                        .format(java.time.Instant.now());
                var made = client.resources(ClaimSnapshot.class)
                        .inNamespace(ns)
                        .resource(new ClaimSnapshot(ns, n, new ClaimSnapshot.Spec(claim, retention)))
                        .create();
                out.println("claimsnapshot " + ns + "/" + made.getMetadata().getName() + " created");
                if (wait == null) return 0;
                Duration limit = dev.nfsprov.reclaim.Retention.duration(wait, "--wait");
                var ready = client.resources(ClaimSnapshot.class)
                        .inNamespace(ns)
                        .withName(n)
                        .waitUntilCondition(
                                s -> s == null
                                        || (s.getStatus() != null
                                                && s.getStatus().ready()),
                                limit.toMillis(),
                                TimeUnit.MILLISECONDS);
                if (ready == null) throw new UserError("claimsnapshot " + ns + "/" + n + " was deleted");
                var st = ready.getStatus();
                out.println("ready: " + st.files() + " files, " + dev.nfsprov.provision.Capacity.human(st.bytes())
                        + ", taken " + st.takenAt() + " (restore size " + st.restoreSize() + ")");
                out.flush();
                return 0;
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            } catch (io.fabric8.kubernetes.client.KubernetesClientTimeoutException e) {
                throw new UserError("not ready after " + wait + ": see kubectl describe claimsnapshot -n " + namespace
                        + " " + name);
            } catch (KubernetesClientException e) {
                throw UserError.api("cannot create the ClaimSnapshot", e);
            }
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = {"The ClaimSnapshots, with their claim, state, size and times, oldest first."})
    static final class ListSnapshots implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NamespaceOptions namespaces;

        @Option(
                names = {"-o", "--output"},
                defaultValue = "text",
                converter = Output.Converter.class,
                description = Output.DESCRIPTION)
        Output output;

        @Mixin
        KubeOptions kube;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            try (var client = kube.client(true)) {
                String ns = namespaces.resolve(kube, client, true);
                var op = client.resources(ClaimSnapshot.class);
                var items = (ns == null ? op.inAnyNamespace() : op.inNamespace(ns))
                        .list()
                        .getItems();
                items.sort(Comparator.comparing(
                        (ClaimSnapshot s) -> String.valueOf(s.getMetadata().getCreationTimestamp())));
                for (var s : items) {
                    var st = s.getStatus();
                    var m = new LinkedHashMap<String, Object>();
                    m.put("namespace", s.getMetadata().getNamespace());
                    m.put("name", s.getMetadata().getName());
                    m.put("claim", s.getSpec() == null ? null : s.getSpec().claimName());
                    m.put("ready", st != null && st.ready());
                    m.put("restoreSize", st == null ? null : st.restoreSize());
                    m.put("bytes", st == null ? null : st.bytes());
                    m.put("files", st == null ? null : st.files());
                    m.put("share", st == null ? null : st.share());
                    m.put("takenAt", st == null ? null : st.takenAt());
                    m.put("expiresAt", st == null ? null : st.expiresAt());
                    m.put("message", st == null ? null : st.message());
                    rows.add(m);
                }
            } catch (KubernetesClientException e) {
                throw UserError.api("cannot list ClaimSnapshots (is the CRD installed? the chart installs it)", e);
            }
            var out = spec.commandLine().getOut();
            if (!output.text()) {
                output.print(out, rows);
            } else if (rows.isEmpty()) {
                out.println("No ClaimSnapshots");
            } else {
                var t = new Table("NAMESPACE", "NAME", "CLAIM", "READY", "SIZE", "USED", "FILES", "TAKEN", "EXPIRES");
                for (var m : rows)
                    t.row(
                            m.get("namespace"),
                            m.get("name"),
                            m.get("claim"),
                            Boolean.TRUE.equals(m.get("ready")) ? "true" : "false: " + m.get("message"),
                            m.get("restoreSize"),
                            m.get("bytes") == null ? null : dev.nfsprov.provision.Capacity.human((Long) m.get("bytes")),
                            m.get("files"),
                            m.get("takenAt"),
                            m.get("expiresAt"));
                out.print(t);
            }
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = {"Delete ClaimSnapshots; the controller then deletes their copies from the share."})
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", arity = "1..*", description = "the snapshots to delete")
        List<String> names;

        @Option(
                names = {"-n", "--namespace"},
                paramLabel = "NAMESPACE",
                description = "their namespace (default: the kubeconfig context's namespace)")
        String namespace;

        @Mixin
        KubeOptions kube;

        @Override
        public Integer call() throws Exception {
            var out = spec.commandLine().getOut();
            int missing = 0;
            try (var client = kube.client(true)) {
                String ns = namespace(kube, client, namespace);
                for (String n : names) {
                    var deleted = client.resources(ClaimSnapshot.class)
                            .inNamespace(ns)
                            .withName(n)
                            .delete();
                    if (deleted.isEmpty()) {
                        spec.commandLine().getErr().println("claimsnapshot " + ns + "/" + n + " not found");
                        missing++;
                    } else out.println("claimsnapshot " + ns + "/" + n + " deleted");
                }
            } catch (KubernetesClientException e) {
                throw UserError.api("cannot delete the ClaimSnapshot", e);
            }
            out.flush();
            return missing == 0 ? ExitCode.OK : ExitCode.NOT_ALL_WELL;
        }
    }

    private static String namespace(KubeOptions kube, KubernetesClient client, String namespace) {
        String ns = namespace != null ? namespace : kube.contextNamespace();
        if (ns == null) throw new UserError("say which namespace: -n NAMESPACE (the kubeconfig context names none)");
        KubeOptions.requireNamespace(client, ns);
        return ns;
    }
}
