package dev.nfsprov.cli;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.provision.Capacity;
import dev.nfsprov.reclaim.Archives;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.share.Throttle;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nfsprov archives}: the archived volumes on the share, where each came from, its size and age. */
@Command(
        name = "archives",
        mixinStandardHelpOptions = true,
        description = {
            "List the archived volumes (archived-* directories) on the share, with the claim and volume each came"
                    + " from when nfsprov recorded it, its size and when it was archived. Reads a local mount of the"
                    + " share; never looks inside a volume in use."
        })
final class ArchivesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ShareOptions where;

    @Option(names = "--depth", defaultValue = "4", description = "directory levels to look in (default 4)")
    int depth;

    @Option(names = "--no-size", description = "do not measure each archive (faster on large ones)")
    boolean noSize;

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
        var share = where.share();
        var location = where.location();
        Set<RelativePath> volumes = new HashSet<>();
        try (var client = kube.client(true)) {
            for (var v : client.persistentVolumes().list().getItems()) {
                var nfs = v.getSpec().getNfs();
                if (nfs != null)
                    location.directoryOf(nfs.getServer(), nfs.getPath()).ifPresent(volumes::add);
            }
        } catch (KubernetesClientException e) {
            throw UserError.api("cannot list PersistentVolumes", e);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            var found = Archives.find(share, volumes, depth, Long.MAX_VALUE);
            for (var a : found.archives()) {
                var r = a.record();
                var m = new LinkedHashMap<String, Object>();
                m.put("path", a.path().toString());
                m.put("namespace", r == null ? null : r.namespace());
                m.put("claim", r == null ? null : r.claim());
                m.put("volume", r == null ? null : r.volume());
                m.put("storageClass", r == null ? null : r.storageClass());
                m.put("archived", r == null ? null : r.archived().toString());
                m.put(
                        "bytes",
                        noSize ? null : share.usage(a.path(), Throttle.NONE).bytes());
                rows.add(m);
            }
        } catch (ShareException e) {
            throw new UserError(e.getMessage());
        }
        var out = spec.commandLine().getOut();
        if (!output.text()) {
            output.print(out, rows);
        } else if (rows.isEmpty()) {
            out.println("No archives on the share");
        } else {
            var t = new Table("PATH", "NAMESPACE", "CLAIM", "VOLUME", "STORAGECLASS", "SIZE", "ARCHIVED");
            for (var m : rows)
                t.row(
                        m.get("path"),
                        m.get("namespace"),
                        m.get("claim"),
                        m.get("volume"),
                        m.get("storageClass"),
                        m.get("bytes") == null ? null : Capacity.human((Long) m.get("bytes")),
                        m.get("archived"));
            out.print(t);
        }
        out.flush();
        return 0;
    }
}
