package dev.nfsprov.restore;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.provision.ShareLocation;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.reclaim.ArchiveRecord;
import dev.nfsprov.reclaim.Reclaimer;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Makes a directory on the share the volume of a claim: an archive renamed back (restore), or a directory that is
 * nobody's volume (adopt). A PersistentVolume pre-bound to the claim, annotated as this provisioner's so it is
 * reclaimed like the others, and the claim if it does not exist. The plan is computed first and said; applying it
 * is resumable: the volume's name is derived from the directory and the claim, and each step is skipped when done.
 */
public final class Adoption {

    /** Something in the way, said as the reason and what to do. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    public record Plan(
            RelativePath from,
            RelativePath to,
            String namespace,
            String claim,
            String volumeName,
            StorageClass storageClass,
            String size,
            String nfsServer,
            String nfsPath,
            boolean renameFirst,
            boolean createVolume,
            boolean createClaim) {

        public List<String> steps() {
            List<String> s = new ArrayList<>();
            if (renameFirst) s.add("rename " + from + " to " + to + " on the share (nothing is copied)");
            s.add("mark " + to + " as the directory of " + volumeName);
            if (createVolume)
                s.add("create PersistentVolume " + volumeName + " (StorageClass "
                        + storageClass.getMetadata().getName()
                        + ", " + size + ", nfs " + nfsServer + ":" + nfsPath + ") pre-bound to " + namespace + "/"
                        + claim);
            s.add(
                    createClaim
                            ? "create PersistentVolumeClaim " + namespace + "/" + claim + " (" + size + ", volumeName "
                                    + volumeName + ")"
                            : "the claim " + namespace + "/" + claim + " exists and is Pending: it binds to "
                                    + volumeName);
            return s;
        }
    }

    private final KubernetesClient client;
    private final Share share;
    private final ShareLocation location;

    public Adoption(KubernetesClient client, Share share, ShareLocation location) {
        this.client = client;
        this.share = share;
        this.location = location;
    }

    /**
     * restore: dir is an archive (archived-NAME), renamed back to NAME; else dir stays where it is. className and
     * size may be null: then the archive's record, the claim's, the default class, 1Gi.
     */
    public Plan plan(
            RelativePath dir, String namespace, String claimName, String className, String size, boolean restore)
            throws Refused, ShareException {
        return plan(dir, namespace, claimName, className, size, restore, volumeName(namespace, claimName, dir));
    }

    /** The volume's name: derived from the claim and the directory, so that a resumed run finds its own. */
    public static String volumeName(String namespace, String claimName, RelativePath dir) {
        return "pvc-"
                + UUID.nameUUIDFromBytes((namespace + "/" + claimName + "/" + dir).getBytes(StandardCharsets.UTF_8));
    }

    /** The same, for a volume whose name the caller chose (move). */
    public Plan plan(
            RelativePath dir,
            String namespace,
            String claimName,
            String className,
            String size,
            boolean restore,
            String volumeName)
            throws Refused, ShareException {
        boolean archive = dir.leaf().startsWith(Reclaimer.ARCHIVE_PREFIX);
        if (restore && !archive)
            throw new Refused(
                    dir + " is not an archive (archived-*): to make an existing directory a volume, use adopt");
        if (!restore && archive)
            throw new Refused(dir + " is an archive: restore it (nfsprov restore), which also renames it back");
        RelativePath to = restore ? restoredName(dir, volumeName) : dir;
        boolean fromThere = isDirectory(dir);
        boolean toThere = restore && isDirectory(to);
        boolean resumed = toThere && volumeName.equals(strip(share.readMarker(to)));
        if (!fromThere && !resumed) throw new Refused(dir + " is not a directory on the share");
        if (!restore) {
            String marker = strip(share.readMarker(dir));
            if (marker != null && !marker.equals(volumeName))
                throw new Refused(dir + " is the volume " + marker + " (its marker says so): it is not free to adopt");
        }
        String nfsPath = location.nfsPath(to);
        for (PersistentVolume v : client.persistentVolumes().list().getItems()) {
            var nfs = v.getSpec().getNfs();
            if (nfs == null || v.getMetadata().getName().equals(volumeName)) continue;
            if (!ShareLocation.sameServer(nfs.getServer(), location.server())) continue;
            for (String mine : List.of(nfsPath, location.nfsPath(dir))) {
                if (ShareLocation.samePath(nfs.getPath(), mine))
                    throw new Refused("PersistentVolume " + v.getMetadata().getName() + " already names " + mine
                            + ": two volumes on one directory would each reclaim the other's data");
                if (ShareLocation.inside(nfs.getPath(), mine))
                    throw new Refused("PersistentVolume " + v.getMetadata().getName() + " names " + nfs.getPath()
                            + ", inside " + mine + ": adopting it would hand that volume's data to " + namespace
                            + "/" + claimName);
                if (ShareLocation.inside(mine, nfs.getPath()))
                    throw new Refused(mine + " is inside " + nfs.getPath() + ", the directory of PersistentVolume "
                            + v.getMetadata().getName() + ": it is that volume's data");
            }
        }
        ArchiveRecord record = archive && fromThere ? ArchiveRecord.parse(share.readMarker(dir)) : null;
        PersistentVolumeClaim existing = client.persistentVolumeClaims()
                .inNamespace(namespace)
                .withName(claimName)
                .get();
        if (existing != null) {
            String bound = existing.getSpec().getVolumeName();
            if (bound != null && !bound.isEmpty() && !bound.equals(volumeName))
                throw new Refused("claim " + namespace + "/" + claimName + " is bound to " + bound
                        + ": restore to a new claim name, or delete that claim first");
        }
        String cls = className != null
                ? className
                : record != null && record.storageClass() != null
                        ? record.storageClass()
                        : existing != null && existing.getSpec().getStorageClassName() != null
                                ? existing.getSpec().getStorageClassName()
                                : defaultClass();
        if (cls == null) throw new Refused("no --storage-class given, none recorded, and no default StorageClass");
        StorageClass storageClass =
                client.storage().v1().storageClasses().withName(cls).get();
        if (storageClass == null) throw new Refused("StorageClass " + cls + " does not exist");
        String volumeSize = size != null
                ? size
                : record != null && record.capacity() != null
                        ? record.capacity()
                        : existing != null
                                ? existing.getSpec()
                                        .getResources()
                                        .getRequests()
                                        .get("storage")
                                        .toString()
                                : "1Gi";
        try {
            new Quantity(volumeSize).getNumericalAmount();
        } catch (RuntimeException e) {
            throw new Refused("size \"" + volumeSize + "\" is not a quantity such as 10Gi");
        }
        boolean createVolume = client.persistentVolumes().withName(volumeName).get() == null;
        return new Plan(
                dir,
                to,
                namespace,
                claimName,
                volumeName,
                storageClass,
                volumeSize,
                location.server(),
                nfsPath,
                restore && fromThere,
                createVolume,
                existing == null);
    }

    public void apply(Plan plan) throws ShareException, Refused {
        if (plan.renameFirst()) {
            switch (share.rename(plan.from(), plan.to().leaf())) {
                case TAKEN -> throw new Refused(plan.to() + " appeared on the share meanwhile; nothing was renamed");
                case GONE -> throw new Refused(plan.from() + " is no longer on the share; nothing was renamed");
                case DONE -> {}
            }
            share.forgetVolume(plan.from()); // the archive's record: it is a volume again
        }
        share.writeMarker(plan.to(), plan.volumeName() + "\n");
        if (plan.createVolume())
            client.persistentVolumes().resource(volume(plan)).create();
        if (plan.createClaim())
            client.persistentVolumeClaims().resource(claim(plan)).create();
    }

    private PersistentVolume volume(Plan plan) {
        var sc = plan.storageClass();
        String onDelete;
        try {
            onDelete = VolumeService.onDelete(sc.getParameters()).word();
        } catch (VolumeService.RejectedException e) {
            onDelete = "retain"; // a class nfsprov cannot read: the data is kept
        }
        return new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(plan.volumeName())
                .addToAnnotations(Names.ANN_PROVISIONED_BY, sc.getProvisioner())
                .addToAnnotations(Names.ANN_ON_DELETE, onDelete)
                .withFinalizers(Names.FINALIZER)
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", new Quantity(plan.size()))
                .withAccessModes("ReadWriteOnce")
                .withPersistentVolumeReclaimPolicy(Objects.requireNonNullElse(sc.getReclaimPolicy(), "Delete"))
                .withStorageClassName(sc.getMetadata().getName())
                .withMountOptions(sc.getMountOptions())
                .withVolumeMode("Filesystem")
                .withNewNfs()
                .withServer(plan.nfsServer())
                .withPath(plan.nfsPath())
                .endNfs()
                .withNewClaimRef()
                .withApiVersion("v1")
                .withKind("PersistentVolumeClaim")
                .withNamespace(plan.namespace())
                .withName(plan.claim())
                .endClaimRef()
                .endSpec()
                .build();
    }

    private static PersistentVolumeClaim claim(Plan plan) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace(plan.namespace())
                .withName(plan.claim())
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(plan.storageClass().getMetadata().getName())
                .withVolumeName(plan.volumeName())
                .withNewResources()
                .addToRequests("storage", new Quantity(plan.size()))
                .endResources()
                .endSpec()
                .build();
    }

    private String defaultClass() {
        return client.storage().v1().storageClasses().list().getItems().stream()
                .filter(Names::isDefault)
                .map(c -> c.getMetadata().getName())
                .findFirst()
                .orElse(null);
    }

    /** archived-NAME[-n] back to NAME, or NAME-restored when NAME is taken (unless it is this volume already). */
    private RelativePath restoredName(RelativePath archive, String volumeName) throws ShareException {
        String base = archive.leaf().substring(Reclaimer.ARCHIVE_PREFIX.length());
        for (String name : List.of(base, base + "-restored")) {
            RelativePath candidate = archive.sibling(name);
            if (!exists(candidate) || volumeName.equals(strip(share.readMarker(candidate)))) return candidate;
        }
        return archive.sibling(base + "-restored-" + volumeName.substring(4, 12));
    }

    private boolean exists(RelativePath p) throws ShareException {
        return share.kind(p) != Share.Kind.ABSENT;
    }

    private boolean isDirectory(RelativePath p) throws ShareException {
        return share.kind(p) == Share.Kind.DIRECTORY;
    }

    private static String strip(String s) {
        return s == null ? null : s.strip();
    }
}
