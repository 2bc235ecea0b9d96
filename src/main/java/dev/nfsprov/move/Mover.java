package dev.nfsprov.move;

import dev.nfsprov.faults.Faults;
import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.rebind.BackupDir;
import dev.nfsprov.rebind.ClaimRewrite;
import dev.nfsprov.rebind.Rebinder;
import dev.nfsprov.restore.Adoption;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.share.TreeCount;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Moves a claim's data to a StorageClass on another share: the old volume is kept (Retain) and its claim deleted,
 * so that nothing writes while the tree is copied; the copy is counted against the original; then the claim is
 * re-created bound to a new volume on the new share. Every step is looked at before it is done, so running the
 * same command again after an interruption finishes it; the claim and volume are backed up first.
 */
public final class Mover {

    public record Options(String namespace, String claim, String targetClass, boolean restartPods, Duration timeout) {}

    /** What would be done, and what was found: said before anything is changed. */
    public record Plan(
            PersistentVolumeClaim original,
            PersistentVolume oldVolume,
            ShareCatalog.Entry from,
            RelativePath fromDir,
            ShareCatalog.Entry to,
            RelativePath toDir,
            StorageClass targetClass,
            String newVolume,
            List<String> users,
            boolean resumed) {

        public List<String> steps() {
            var s = new ArrayList<String>();
            String claim = original.getMetadata().getNamespace() + "/"
                    + original.getMetadata().getName();
            s.add("back up claim " + claim + " and volume "
                    + oldVolume.getMetadata().getName());
            s.add("keep volume " + oldVolume.getMetadata().getName() + " and its data (reclaim policy Retain)");
            s.add("delete claim " + claim
                    + (users.isEmpty() ? "" : ", and pod(s) " + String.join(", ", users) + " that use it"));
            s.add("copy " + from.name() + ":" + fromDir + " to " + to.name() + ":" + toDir
                    + " (links as links, modes, owners, times), then count both");
            s.add("create volume " + newVolume + " on share " + to.name() + " and claim " + claim
                    + " bound to it (StorageClass " + targetClass.getMetadata().getName() + ")");
            return s;
        }
    }

    /** Something in the way: the reason and what to do. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;
    private final ShareCatalog shares;
    private final BackupDir backups;
    private final PrintWriter progress;

    public Mover(KubernetesClient client, ShareCatalog shares, BackupDir backups, PrintWriter progress) {
        this.client = client;
        this.shares = shares;
        this.backups = backups;
        this.progress = progress;
    }

    public Plan plan(Options o) throws Refused, ShareException, IOException {
        StorageClass target =
                client.storage().v1().storageClasses().withName(o.targetClass()).get();
        if (target == null) throw new Refused("StorageClass " + o.targetClass() + " does not exist");
        var current = client.persistentVolumeClaims()
                .inNamespace(o.namespace())
                .withName(o.claim())
                .get();
        // an unfinished run's backup says what the claim was; a finished one's is history
        PersistentVolumeClaim original = !backups.unfinished()
                ? null
                : backups.originals().stream()
                        .filter(c -> c.getMetadata().getNamespace().equals(o.namespace())
                                && c.getMetadata().getName().equals(o.claim()))
                        .findFirst()
                        .orElse(null);
        boolean resumed = original != null
                && (current == null
                        || !Objects.equals(
                                current.getMetadata().getUid(),
                                original.getMetadata().getUid()));
        if (!resumed) {
            if (current == null) throw new Refused("claim " + o.namespace() + "/" + o.claim() + " does not exist");
            original = current;
            if (!"Bound"
                    .equals(
                            current.getStatus() == null
                                    ? null
                                    : current.getStatus().getPhase()))
                throw new Refused("claim " + o.namespace() + "/" + o.claim() + " is not Bound: nothing to move"
                        + " (a Pending claim is rebind's: nfsprov rebind)");
        }
        String oldName = original.getSpec().getVolumeName();
        PersistentVolume old = client.persistentVolumes().withName(oldName).get();
        if (old == null) throw new Refused("volume " + oldName + " of the claim does not exist");
        var nfs = old.getSpec().getNfs();
        if (nfs == null) throw new Refused("volume " + oldName + " is not an NFS volume");
        var from = shares.forVolume(nfs.getServer(), nfs.getPath())
                .orElseThrow(() -> new Refused("volume " + oldName + " (" + nfs.getServer() + ":" + nfs.getPath()
                        + ") is on none of the shares given (" + shares.describe() + ")"));
        ShareCatalog.Entry to;
        try {
            to = shares.forClass(target.getParameters());
        } catch (RejectedException e) {
            throw new Refused(e.getMessage() + " (give the share with --share)");
        }
        if (to.name().equals(from.name()))
            throw new Refused("StorageClass " + o.targetClass() + " makes its volumes on share " + to.name()
                    + ", where the data is already: move copies between shares");
        RelativePath fromDir = from.volumes()
                .location()
                .directoryOf(nfs.getServer(), nfs.getPath())
                .orElseThrow();
        if (from.volumes().share().kind(fromDir) != dev.nfsprov.share.Share.Kind.DIRECTORY)
            throw new Refused(fromDir + " is not on share " + from.name() + " (is it mounted at "
                    + from.mount().mountPath() + "?)");
        String newVolume = "pvc-"
                + UUID.nameUUIDFromBytes((o.namespace() + "/" + o.claim() + "/" + oldName + "/" + to.name())
                        .getBytes(StandardCharsets.UTF_8));
        RelativePath toDir = targetDirectory(to, fromDir, newVolume);
        List<String> users = resumed
                ? List.of()
                : Rebinder.podsUsing(client, original).stream()
                        .map(p -> p.getMetadata().getName())
                        .toList();
        if (!users.isEmpty() && !o.restartPods())
            throw new Refused("claim " + o.namespace() + "/" + o.claim() + " is used by pod(s) "
                    + String.join(", ", users) + ": stop them (kubectl scale ... --replicas=0), or rerun with"
                    + " --restart-pods to delete them once the claim is gone (their controllers re-create them, and"
                    + " they wait for the moved claim)");
        return new Plan(original, old, from, fromDir, to, toDir, target, newVolume, users, resumed);
    }

    /** The same path on the new share, or beside it when that is taken (not by this move). */
    private static RelativePath targetDirectory(ShareCatalog.Entry to, RelativePath dir, String newVolume)
            throws ShareException {
        var share = to.volumes().share();
        for (RelativePath candidate : List.of(
                dir,
                dir.sibling(dir.leaf() + "-moved"),
                dir.sibling(dir.leaf() + "-moved-" + newVolume.substring(4, 12)))) {
            if (share.kind(candidate) == dev.nfsprov.share.Share.Kind.ABSENT) return candidate;
            String marker = share.readMarker(candidate);
            if (marker != null && marker.strip().equals(newVolume)) return candidate;
        }
        throw new ShareException(dir + " and its -moved names are taken on share " + to.name());
    }

    /** Does the plan; returns the count of what was copied. */
    public TreeCount apply(Plan p, Options o) throws Refused, ShareException, IOException {
        String claim = o.namespace() + "/" + o.claim();
        backups.save(p.original());
        backups.save(p.oldVolume());
        if (!"Retain".equals(p.oldVolume().getSpec().getPersistentVolumeReclaimPolicy())) {
            Rebinder.keepVolume(client, p.oldVolume().getMetadata().getName());
            progress.println("volume " + p.oldVolume().getMetadata().getName() + " kept: reclaim policy Retain");
        }
        if (!p.resumed()) deleteClaim(p, o);
        Faults.point("move-after-delete");
        // Nobody writes now: the claim is gone, and pods that want it wait for the new one.
        var to = p.to().volumes().share();
        to.createVolume(
                p.toDir(),
                new dev.nfsprov.share.DirectorySettings(
                        0700, java.util.OptionalInt.empty(), java.util.OptionalInt.empty()),
                p.newVolume(),
                dev.nfsprov.share.Share.Existing.REUSE);
        // what the copy takes on the target, counted as the share counts it (holes and hard links once)
        dev.nfsprov.share.Usage need;
        try {
            need = p.from().volumes().share().usage(p.fromDir(), dev.nfsprov.share.Throttle.NONE, Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted while measuring " + p.fromDir() + "; run again to finish");
        }
        long available = to.space()[1];
        if (need.bytes() > available)
            throw new Refused(p.fromDir() + " takes " + dev.nfsprov.provision.Capacity.human(need.bytes())
                    + (need.partial() ? " at least" : "") + " and share " + p.to().name() + " has "
                    + dev.nfsprov.provision.Capacity.human(available) + " available: nothing was copied. The data is"
                    + " unchanged in " + p.fromDir() + " (volume "
                    + p.oldVolume().getMetadata().getName()
                    + ", kept); make room and run again. Backups: " + backups.path());
        progress.println("copying " + p.from().name() + ":" + p.fromDir() + " to " + p.to().name() + ":" + p.toDir());
        TreeCount copied = p.from().volumes().share().copyTree(p.fromDir(), to, p.toDir());
        TreeCount check = to.countTree(p.toDir());
        if (!copied.sameAs(check))
            throw new Refused("the copy does not match: " + copied.describe() + " in " + p.fromDir() + ", "
                    + check.describe() + " in the copy; nothing was bound to it. The data is unchanged in "
                    + p.fromDir() + " (volume " + p.oldVolume().getMetadata().getName() + ", kept); run again to"
                    + " copy again. Backups: " + backups.path());
        progress.println("copied and counted: " + copied.describe()
                + (copied.skipped() == 0
                        ? ""
                        : "; not copied (not files): " + copied.skipped() + " " + copied.skippedNames()));
        bind(p, o);
        awaitBound(o);
        backups.finish();
        progress.println(claim + " is Bound to " + p.newVolume() + " on share " + p.to().name() + ". The old data"
                + " stays in " + p.from().name() + ":" + p.fromDir() + " (volume "
                + p.oldVolume().getMetadata().getName() + ", Released, Retain) until you delete it.");
        return copied;
    }

    private void deleteClaim(Plan p, Options o) throws Refused {
        var ref = client.persistentVolumeClaims().inNamespace(o.namespace()).withName(o.claim());
        ref.lockResourceVersion(p.original().getMetadata().getResourceVersion()).delete();
        long deadline = System.nanoTime() + o.timeout().toNanos();
        boolean podsDeleted = false;
        while (true) {
            var c = ref.get();
            if (c == null
                    || !c.getMetadata()
                            .getUid()
                            .equals(p.original().getMetadata().getUid())) return;
            if (!podsDeleted && o.restartPods()) {
                for (Pod pod : Rebinder.podsUsing(client, c)) {
                    progress.println("deleting pod " + pod.getMetadata().getName() + " so that the claim can go");
                    client.pods().resource(pod).delete();
                }
                podsDeleted = true;
            }
            if (System.nanoTime() > deadline) {
                throw new Refused("claim " + o.namespace() + "/" + o.claim() + " is still terminating after "
                        + o.timeout().toSeconds() + " s (used by pod(s) "
                        + Rebinder.podsUsing(client, c).stream()
                                .map(x -> x.getMetadata().getName())
                                .collect(Collectors.joining(", "))
                        + "); run again once it is gone");
            }
            sleep();
        }
    }

    /** The claim as it was, with the new class and volume; then the volume, pre-bound to it. */
    private void bind(Plan p, Options o) throws Refused, ShareException {
        var claims = client.persistentVolumeClaims().inNamespace(o.namespace());
        if (claims.withName(o.claim()).get() == null) {
            var claim = ClaimRewrite.rewrite(p.original(), o.targetClass(), false);
            claim.getSpec().setVolumeName(p.newVolume());
            claims.resource(claim).create();
        }
        Faults.point("move-after-claim");
        var adoption =
                new Adoption(client, p.to().volumes().share(), p.to().volumes().location());
        try {
            var plan = adoption.plan(
                    p.toDir(),
                    o.namespace(),
                    o.claim(),
                    o.targetClass(),
                    p.original()
                            .getSpec()
                            .getResources()
                            .getRequests()
                            .get("storage")
                            .toString(),
                    false,
                    p.newVolume());
            adoption.apply(plan);
        } catch (Adoption.Refused e) {
            throw new Refused(e.getMessage());
        }
    }

    private void awaitBound(Options o) throws Refused {
        long deadline = System.nanoTime() + o.timeout().toNanos();
        while (System.nanoTime() < deadline) {
            var c = client.persistentVolumeClaims()
                    .inNamespace(o.namespace())
                    .withName(o.claim())
                    .get();
            if (c != null
                    && c.getStatus() != null
                    && "Bound".equals(c.getStatus().getPhase())) return;
            sleep();
        }
        throw new Refused("claim " + o.namespace() + "/" + o.claim() + " not Bound after "
                + o.timeout().toSeconds() + " s: kubectl describe pvc -n " + o.namespace() + " " + o.claim());
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
