package dev.nfsprov.migrate;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.provision.ClassParameters;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.provision.VolumeService.RejectedException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Changes a StorageClass's parameters, which Kubernetes keeps immutable, by re-creating the class under its name
 * with everything else as it was: backed up durably first, deleted only as it was planned (resourceVersion
 * precondition), created again at once. A claim made in between is provisioned when the class is back
 * (kube-controller-manager retries it). Killed in between, the same command re-creates the class from its backup.
 */
public final class ClassEdit {

    /** parameters: the class's new ones; toConsumer: volumes made before that get ownership: consumer. */
    public record Plan(
            StorageClass current,
            boolean fromBackup,
            Map<String, String> parameters,
            List<String> steps,
            List<PersistentVolume> toConsumer) {}

    private final KubernetesClient client;
    private final Path backupDir;

    public ClassEdit(KubernetesClient client, Path backupDir) {
        this.client = client;
        this.backupDir = backupDir;
    }

    /** changes: key to new value, null to remove it; existingVolumes: give ownership: consumer to volumes made before. */
    public Plan plan(String name, Map<String, String> changes, boolean existingVolumes)
            throws ProvisionerSwitch.Refused, IOException {
        StorageClass current =
                client.storage().v1().storageClasses().withName(name).get();
        boolean fromBackup = false;
        Path backup = backup(name);
        if (current == null) {
            if (!Files.exists(backup)) throw new ProvisionerSwitch.Refused("StorageClass " + name + " does not exist");
            current = Serialization.unmarshal(Files.readString(backup), StorageClass.class);
            fromBackup = true;
        }
        var parameters =
                new LinkedHashMap<String, String>(current.getParameters() == null ? Map.of() : current.getParameters());
        var steps = new ArrayList<String>();
        if (fromBackup)
            steps.add("re-create StorageClass " + name + " from its backup " + backup
                    + " (an earlier run deleted it and stopped before re-creating it)");
        for (var e : changes.entrySet()) {
            String was = parameters.get(e.getKey());
            if (Objects.equals(was, e.getValue())) continue;
            if (e.getValue() == null) parameters.remove(e.getKey());
            else parameters.put(e.getKey(), e.getValue());
            steps.add(e.getKey() + ": " + (was == null ? "unset" : "\"" + was + "\"") + " -> "
                    + (e.getValue() == null ? "unset" : "\"" + e.getValue() + "\""));
        }
        try {
            ClassParameters.validate(parameters);
        } catch (RejectedException e) {
            throw new ProvisionerSwitch.Refused(e.getMessage());
        }
        if (steps.isEmpty()) return new Plan(current, false, parameters, steps, List.of());
        ClassParameters.notes(parameters).forEach(n -> steps.add("note: " + n));
        steps.add(
                "volumes made before keep what was recorded when they were made (their directory, owner, onDelete,"
                        + " mount options); archiveRetention and archiveMaxBytes apply to all the class's archives from now on");
        var labels = current.getMetadata().getLabels();
        var annotations = current.getMetadata().getAnnotations();
        String release = annotations == null ? null : annotations.get("meta.helm.sh/release-name");
        if (release != null || (labels != null && "Helm".equals(labels.get("app.kubernetes.io/managed-by"))))
            steps.add("note: Helm release " + (release == null ? "" : release + " ") + "manages this class: set the"
                    + " same in its values, or its next upgrade fails (a class's parameters cannot change in place)");
        List<PersistentVolume> toConsumer = new ArrayList<>();
        boolean consumer;
        try {
            consumer = VolumeService.consumerOwnership(parameters);
        } catch (RejectedException e) {
            throw new ProvisionerSwitch.Refused(e.getMessage());
        }
        if (consumer) {
            for (PersistentVolume v : client.persistentVolumes().list().getItems()) {
                var a = v.getMetadata().getAnnotations();
                if (!name.equals(v.getSpec().getStorageClassName())
                        || a == null
                        || !current.getProvisioner().equals(a.get(Names.ANN_PROVISIONED_BY))
                        || "consumer".equals(a.get(Names.ANN_OWNERSHIP))) continue;
                toConsumer.add(v);
            }
            if (!toConsumer.isEmpty())
                steps.add(
                        existingVolumes
                                ? "give the class's " + toConsumer.size()
                                        + " existing volume(s) to their consumers: each"
                                        + " directory becomes its first Pod's (mode 2770) when a Pod bound to a node uses it"
                                : toConsumer.size()
                                        + " existing volume(s) keep their directories as they are (0777 or their"
                                        + " annotations' owner); --existing-volumes gives them to their consumers too");
        }
        return new Plan(current, fromBackup, parameters, steps, existingVolumes ? toConsumer : List.of());
    }

    public void apply(Plan plan) throws IOException {
        StorageClass c = plan.current();
        String name = c.getMetadata().getName();
        if (!plan.fromBackup()) {
            backup(c);
            client.storage()
                    .v1()
                    .storageClasses()
                    .withName(name)
                    .lockResourceVersion(c.getMetadata().getResourceVersion())
                    .delete();
            dev.nfsprov.faults.Faults.point("edit-class-after-delete");
        }
        client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder(c)
                        .withNewMetadata()
                        .withName(name)
                        .withLabels(c.getMetadata().getLabels())
                        .withAnnotations(c.getMetadata().getAnnotations())
                        .endMetadata()
                        .withParameters(plan.parameters())
                        .build())
                .create();
        for (PersistentVolume v : plan.toConsumer())
            client.persistentVolumes()
                    .resource(v)
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            Serialization.asJson(Map.of(
                                    "metadata", Map.of("annotations", Map.of(Names.ANN_OWNERSHIP, "consumer")))));
    }

    public Path backup(String className) {
        return backupDir.resolve(ProvisionerSwitch.BACKUP_PREFIX + className + ".yaml");
    }

    /** Durable before the class is deleted: file and directory synced. */
    private void backup(StorageClass c) throws IOException {
        Files.createDirectories(backupDir);
        String name = ProvisionerSwitch.BACKUP_PREFIX + c.getMetadata().getName() + ".yaml";
        Path tmp = backupDir.resolve("." + name + ".tmp");
        try (var ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(StandardCharsets.UTF_8.encode(Serialization.asYaml(c)));
            ch.force(true);
        }
        Files.move(tmp, backupDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (var d = FileChannel.open(backupDir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
