package dev.nfsprov.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The kustomize base is the chart rendered as the guide installs it: the committed file is what
 * scripts/render-kustomize makes, the server and path set once in nfs.env reach every place that needs them, and
 * every object both make is the same.
 */
@ExtendWith(RealCluster.class)
class KustomizeIT {

    static final Path BASE = TestEnvironment.REPO.resolve("deploy/kustomize/base");

    @Test
    void theCommittedBaseIsTheChartsRender() throws Exception {
        var render = Commands.runOrFail(
                Map.of(),
                List.of(TestEnvironment.REPO.resolve("scripts/render-kustomize").toString(), "--stdout"),
                "scripts/render-kustomize failed");
        assertThat(render)
                .as("deploy/kustomize/base/nfsprov.yaml is stale: run scripts/render-kustomize")
                .isEqualTo(Files.readString(BASE.resolve("nfsprov.yaml")));
    }

    @Test
    void kustomizeAndTheChartAgreeOnEveryObjectBothMake(TestNamespace ns) throws Exception {
        Path copy = Files.createTempDirectory("kustomize-base");
        for (Path f : Files.list(BASE).toList()) Files.copy(f, copy.resolve(f.getFileName()));
        Files.writeString(copy.resolve("nfs.env"), "server=nas.test\npath=/srv/k8s\n");
        var rendered = Chart.kubectl(ns.env(), null, "kustomize", copy.toString());
        assertThat(rendered.exitCode()).as(rendered.stderr()).isZero();
        var kustomized = byKindAndName(ChartIT.objects(ns.env(), rendered.stdout()));
        var charted = byKindAndName(ChartIT.objects(
                ns.env(),
                Chart.template(
                        "nfsprov",
                        "nfsprov",
                        List.of(
                                "--include-crds",
                                "--set",
                                "nfs.server=nas.test",
                                "--set",
                                "nfs.path=/srv/k8s",
                                "--set",
                                "storageClass.name=nfs",
                                "--set",
                                "storageClass.defaultClass=true"))));
        assertThat(rendered.stdout()).doesNotContain("nfs-server.example.com").doesNotContain("/exported/path");
        assertThat(kustomized.keySet())
                .contains("Deployment/nfsprov", "StorageClass/nfs", "ClusterRole/nfsprov-runner");
        kustomized.remove("Namespace/nfsprov"); // kustomize's own: Helm is given --namespace
        assertThat(charted.keySet()).containsAll(kustomized.keySet());
        for (var e : kustomized.entrySet()) {
            assertThat(comparable(e.getValue())).as(e.getKey()).isEqualTo(comparable(charted.get(e.getKey())));
        }
        var sc = (StorageClass) kustomized.get("StorageClass/nfs");
        assertThat(sc.getMetadata().getAnnotations())
                .containsEntry("storageclass.kubernetes.io/is-default-class", "true");
    }

    @Test
    void theBaseIsAcceptedByTheApiServer(TestNamespace ns) {
        // a server dry run cannot create the namespace its objects go into, so that one is made for real
        ns.env()
                .client
                .namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("nfsprov")
                        .endMetadata()
                        .build())
                .serverSideApply();
        var rendered = Chart.kubectl(ns.env(), null, "kustomize", BASE.toString());
        assertThat(rendered.exitCode()).as(rendered.stderr()).isZero();
        var dryRun = Chart.kubectl(ns.env(), rendered.stdout(), "apply", "--dry-run=server", "-f", "-");
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
        assertThat(dryRun.stdout())
                .contains("deployment.apps/nfsprov created (server dry run)")
                .contains("storageclass.storage.k8s.io/nfs created (server dry run)");
    }

    private static Map<String, HasMetadata> byKindAndName(List<HasMetadata> objects) {
        var out = new TreeMap<String, HasMetadata>();
        for (var o : objects) out.put(o.getKind() + "/" + o.getMetadata().getName(), o);
        return out;
    }

    /** The object as a tree, without what only Helm adds (its labels) and with the namespace kustomize sets. */
    private static Object comparable(HasMetadata o) {
        var copy = Serialization.clone(o);
        var labels = copy.getMetadata().getLabels();
        if (labels != null) {
            labels.remove("helm.sh/chart");
            labels.remove("app.kubernetes.io/managed-by");
        }
        copy.getMetadata().setNamespace(null);
        return Serialization.jsonMapper().convertValue(copy, Map.class); // map equality ignores key order
    }
}
