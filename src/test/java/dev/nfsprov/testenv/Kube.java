package dev.nfsprov.testenv;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Small builders and waits for the objects the provisioner tests create. */
public class Kube {
    public static final Duration BIND_TIMEOUT = Duration.ofSeconds(90);

    private final KubernetesClient client;
    private final String namespace;

    public Kube(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    public StorageClass storageClass(
            String name, String provisioner, Map<String, String> parameters, String reclaimPolicy, String bindingMode) {
        return client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withProvisioner(provisioner)
                        .withParameters(parameters)
                        .withReclaimPolicy(reclaimPolicy)
                        .withVolumeBindingMode(bindingMode)
                        .withMountOptions("nfsvers=4.1")
                        .build())
                .serverSideApply();
    }

    public PersistentVolumeClaimBuilder claimBuilder(String name, String storageClass) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(storageClass)
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec();
    }

    public PersistentVolumeClaim create(PersistentVolumeClaimBuilder builder) {
        return client.persistentVolumeClaims().resource(builder.build()).create();
    }

    /**
     * A PersistentVolume as nfs-subdir (or its predecessor) made one for a claim: named pvc-UID, pre-bound to the
     * claim, of its class, provisioned-by the given name, on the given server and path.
     */
    public io.fabric8.kubernetes.api.model.PersistentVolume oldVolume(
            PersistentVolumeClaim claim, String provisioner, String server, String path, String size) {
        return client.persistentVolumes()
                .resource(new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder()
                        .withNewMetadata()
                        .withName("pvc-" + claim.getMetadata().getUid())
                        .addToAnnotations(dev.nfsprov.protocol.Names.ANN_PROVISIONED_BY, provisioner)
                        .endMetadata()
                        .withNewSpec()
                        .addToCapacity("storage", new io.fabric8.kubernetes.api.model.Quantity(size))
                        .withAccessModes("ReadWriteOnce")
                        .withPersistentVolumeReclaimPolicy("Delete")
                        .withStorageClassName(claim.getSpec().getStorageClassName())
                        .withNewNfs()
                        .withServer(server)
                        .withPath(path)
                        .endNfs()
                        .withNewClaimRef()
                        .withNamespace(claim.getMetadata().getNamespace())
                        .withName(claim.getMetadata().getName())
                        .withUid(claim.getMetadata().getUid())
                        .endClaimRef()
                        .endSpec()
                        .build())
                .create();
    }

    public PersistentVolumeClaim claim(String name) {
        return client.persistentVolumeClaims()
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    public PersistentVolumeClaim awaitBound(String name) {
        return awaitBound(name, BIND_TIMEOUT);
    }

    public PersistentVolumeClaim awaitBound(String name, Duration timeout) {
        return Await.until(
                "claim " + namespace + "/" + name + " Bound",
                timeout,
                () -> claim(name),
                c -> c != null
                        && c.getStatus() != null
                        && "Bound".equals(c.getStatus().getPhase()));
    }

    public PersistentVolume volume(String name) {
        return client.persistentVolumes().withName(name).get();
    }

    public void deleteClaim(String name) {
        client.persistentVolumeClaims().inNamespace(namespace).withName(name).delete();
    }

    public void awaitClaimGone(String name) {
        Await.until("PersistentVolumeClaim " + name + " deleted", BIND_TIMEOUT, () -> claim(name) == null);
    }

    public void awaitVolumeGone(String name) {
        Await.until("PersistentVolume " + name + " deleted", BIND_TIMEOUT, () -> volume(name) == null);
    }

    public List<Event> events(String involvedName, String reason) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> involvedName.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .toList();
    }

    public Event awaitEvent(String involvedName, String reason, String containing) {
        return Await.until(
                reason + " event on " + involvedName + " containing \"" + containing + "\"",
                Duration.ofSeconds(60),
                () -> events(involvedName, reason).stream()
                        .filter(e -> e.getMessage().contains(containing))
                        .findFirst()
                        .orElse(null),
                e -> e != null);
    }

    public List<PersistentVolume> volumesOf(String claimUid) {
        return client.persistentVolumes().list().getItems().stream()
                .filter(v -> v.getSpec().getClaimRef() != null
                        && claimUid.equals(v.getSpec().getClaimRef().getUid()))
                .toList();
    }

    /**
     * An nfsprov controller's Deployment as doctor finds it (environment and arguments as the chart writes them);
     * no kubelet runs it here. Its Pods carry {@link #controllerLabels}.
     */
    public void controllerDeployment(String name, java.util.LinkedHashMap<String, String> env, String... args) {
        var container = new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("nfsprov")
                .withImage("nfsprov:0.1.0")
                .withArgs(args.length == 0 ? null : List.of(args));
        env.forEach((k, v) -> container.addNewEnv().withName(k).withValue(v).endEnv());
        client.apps()
                .deployments()
                .inNamespace(namespace)
                .resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withNewSelector()
                        .withMatchLabels(controllerLabels())
                        .endSelector()
                        .withNewTemplate()
                        .withNewMetadata()
                        .withLabels(controllerLabels())
                        .endMetadata()
                        .withNewSpec()
                        .addToContainers(container.build())
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
    }

    /** The labels of {@link #controllerDeployment}'s Pods: the chart's. */
    public Map<String, String> controllerLabels() {
        return Map.of("app.kubernetes.io/name", "nfsprov", "app.kubernetes.io/instance", namespace);
    }
}
