package dev.nfsprov.rebind;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

class ClaimRewriteTest {

    @Test
    void keepsWhatTheUserWroteAndDropsWhatControllersOwn() {
        var original = new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("mysql-pv-claim")
                .withNamespace("kubeflow")
                .withUid("u1")
                .withResourceVersion("42")
                .addToLabels("ksonnet.io/component", "pipeline")
                .addToAnnotations("kubecfg.ksonnet.io/garbage-collect-tag", "gc-tag")
                .addToAnnotations("volume.kubernetes.io/storage-provisioner", "old")
                .addToAnnotations("volume.beta.kubernetes.io/storage-provisioner", "old")
                .addToAnnotations("volume.kubernetes.io/selected-node", "n1")
                .addToAnnotations("pv.kubernetes.io/bind-completed", "yes")
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("StatefulSet")
                .withName("mysql")
                .withUid("o1")
                .endOwnerReference()
                .addNewManagedField()
                .withManager("kubectl")
                .endManagedField()
                .withFinalizers("kubernetes.io/pvc-protection")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName("")
                .withVolumeName("")
                .withNewResources()
                .addToRequests("storage", new Quantity("20Gi"))
                .endResources()
                .withVolumeMode("Filesystem")
                .endSpec()
                .withNewStatus()
                .withPhase("Pending")
                .endStatus()
                .build();
        var fresh = ClaimRewrite.rewrite(original, "nfs", false);
        assertThat(fresh.getMetadata().getName()).isEqualTo("mysql-pv-claim");
        assertThat(fresh.getMetadata().getNamespace()).isEqualTo("kubeflow");
        assertThat(fresh.getMetadata().getLabels()).containsEntry("ksonnet.io/component", "pipeline");
        assertThat(fresh.getMetadata().getAnnotations()).containsOnlyKeys("kubecfg.ksonnet.io/garbage-collect-tag");
        assertThat(fresh.getMetadata().getOwnerReferences()).hasSize(1);
        assertThat(fresh.getMetadata().getUid()).isNull();
        assertThat(fresh.getMetadata().getResourceVersion()).isNull();
        assertThat(fresh.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(fresh.getMetadata().getFinalizers()).isNullOrEmpty();
        assertThat(fresh.getStatus()).isNull();
        assertThat(fresh.getSpec().getStorageClassName()).isEqualTo("nfs");
        assertThat(fresh.getSpec().getVolumeName()).isNull();
        assertThat(fresh.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("20Gi"));
        assertThat(original.getSpec().getStorageClassName())
                .as("original untouched")
                .isEmpty();

        assertThat(ClaimRewrite.rewrite(original, null, true).getSpec().getStorageClassName())
                .as("restore keeps the class")
                .isEmpty();
    }
}
