package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.protocol.UsageRules;
import dev.nfsprov.usage.UsageTable;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageTableTest {

    static final Instant NOW = Instant.parse("2026-11-29T09:00:00Z");

    static PersistentVolume pv(String ns, String claim, String request, String usage) {
        var b = new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName("pvc-" + claim)
                .addToAnnotations(Names.ANN_ON_DELETE, "archive")
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", new Quantity(request))
                .withNewNfs()
                .withServer("nfs")
                .withPath("/export/" + claim)
                .endNfs()
                .withNewClaimRef()
                .withNamespace(ns)
                .withName(claim)
                .endClaimRef()
                .endSpec();
        if (usage != null)
            b.editMetadata().addToAnnotations(UsageRules.ANN_USAGE, usage).endMetadata();
        return b.build();
    }

    static final List<PersistentVolume> VOLUMES = List.of(
            pv("kubeflow", "mysql-pv-claim", "20Gi", "bytes=1073741824 files=120 scanned=2026-11-29T08:55:00Z"),
            pv("kubeflow", "minio-pvc", "20Gi", "bytes=19327352832 files=5000 scanned=2026-11-29T08:59:30Z"),
            pv("kubeflow", "katib-mysql", "10Gi", null),
            pv("other", "db", "1Gi", "bytes=2147483648 files=3 scanned=2026-11-28T09:00:00Z partial"));

    @Test
    void fullestFirstAsKubectlPrintsIt() {
        String text = UsageCommand.table(UsageTable.sorted(UsageTable.rows(VOLUMES, null), "use"), NOW);
        assertThat(text).isEqualTo("""
                NAMESPACE   CLAIM            VOLUME               REQUEST   USED    USE%   FILES   LAST SCAN
                other       db               pvc-db               1Gi       >=2Gi   200%   3       24h ago
                kubeflow    minio-pvc        pvc-minio-pvc        20Gi      18Gi    90%    5000    30s ago
                kubeflow    mysql-pv-claim   pvc-mysql-pv-claim   20Gi      1Gi     5%     120     5m ago
                kubeflow    katib-mysql      pvc-katib-mysql      10Gi      -       -      -       never
                """);
    }

    @Test
    void namespaceAndOtherSorts() {
        var rows = UsageTable.rows(VOLUMES, "kubeflow");
        assertThat(rows).hasSize(3);
        assertThat(UsageTable.sorted(rows, "name").stream().map(UsageTable.Row::claim))
                .containsExactly("katib-mysql", "minio-pvc", "mysql-pv-claim");
        assertThat(UsageTable.sorted(rows, "request").getFirst().request()).isEqualTo(20L << 30);
        assertThat(UsageTable.sorted(rows, "files").getFirst().claim()).isEqualTo("minio-pvc");
    }

    @Test
    void volumesNfsprovDidNotMakeOrMeasureAreLeftOut() {
        var foreign = new PersistentVolumeBuilder(pv("x", "static", "1Gi", null))
                .editMetadata()
                .withAnnotations(null)
                .endMetadata()
                .build();
        assertThat(UsageTable.rows(List.of(foreign), null)).isEmpty();
        assertThat(UsageTable.objects(UsageTable.rows(VOLUMES, "other")).getFirst())
                .containsEntry("usedBytes", 2147483648L)
                .containsEntry("usePercent", 200)
                .containsEntry("partial", true);
    }
}
