package dev.nfsprov.controller;

import dev.nfsprov.pathtemplate.ClaimFacts;
import dev.nfsprov.protocol.ClaimVerdict;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.reclaim.OnDelete;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Copies for clones. A copy takes as long as its tree, so it runs on the share's clone pool ({@link
 * ShareWork#copy}) while the claim stays Pending and is looked at every {@link #POLL}; the reconciler makes the
 * volume only once the copy returned. Said to the claim's owner twice: when the copy starts and when it is done.
 */
final class Clones {

    static final Duration POLL = Duration.ofSeconds(2);

    private final Wiring w;
    /** Copies running, by volume name: one entry per clone claim Pending, gone when it is done, so "Cloning" is said once. */
    private final java.util.Set<String> started = ConcurrentHashMap.newKeySet();

    Clones(Wiring w) {
        this.w = w;
    }

    /**
     * The new volume, once its directory holds the copy {@code copy} asks for (a claim's or a snapshot's); empty while
     * the copy runs. {@code source} is what it names, found and checked, needed only to start a copy (null while one
     * runs).
     */
    Optional<VolumeService.Volume> copy(
            PersistentVolumeClaim claim,
            StorageClass storageClass,
            ShareCatalog.Entry share,
            ClaimVerdict copy,
            CloneSource source,
            ClaimFacts facts)
            throws RejectedException, ShareException {
        String volumeName = facts.volumeName();
        String ns = claim.getMetadata().getNamespace();
        boolean restore = copy instanceof ClaimVerdict.Restore;
        String from = restore
                ? "ClaimSnapshot " + ns + "/" + ((ClaimVerdict.Restore) copy).snapshot()
                : "claim " + ns + "/" + ((ClaimVerdict.Clone) copy).source();
        Optional<Optional<VolumeService.Cloned>> done;
        try {
            done = w.work(share).copy(volumeName, () -> copyOrForget(claim, storageClass, share, source, facts));
        } catch (RejectedException | ShareException | RuntimeException e) {
            started.remove(volumeName); // the retry says "Cloning" again; nothing stays for a claim that then goes
            throw e;
        }
        if (done.isEmpty()) {
            if (started.add(volumeName)) {
                w.events()
                        .post(
                                claim,
                                Events.NORMAL,
                                restore ? "Restoring" : "Cloning",
                                "copying " + (source == null ? from : source.what())
                                        + " into a new volume on share "
                                        + share.name()
                                        + "; the claim stays Pending until the copy is complete");
            }
            return Optional.empty();
        }
        started.remove(volumeName);
        if (done.get().isEmpty()) return Optional.empty(); // the claim went while it was copied
        var copied = done.get().get().copied();
        String seconds = " in %.3f s".formatted(done.get().get().copyNanos() / 1e9);
        String skipped = copied.skipped() == 0
                ? ""
                : "; " + copied.skipped() + " fifos, sockets or devices not copied ("
                        + String.join(", ", copied.skippedNames().subList(0, (int)
                                Math.min(5, copied.skippedNames().size())))
                        + ")";
        w.events()
                .post(
                        claim,
                        Events.NORMAL,
                        restore ? "Restored" : "Cloned",
                        "copied " + from + ": " + copied.describe() + seconds + skipped
                                + " (crash-consistent: as the files were when each was read)");
        return Optional.of(done.get().get().volume());
    }

    /**
     * The copy, on the clone pool. A claim deleted while its copy ran gets no volume, so its directory would stay
     * with nobody to reclaim it: it is deleted here, and nothing of the copy is kept in memory.
     */
    private Optional<VolumeService.Cloned> copyOrForget(
            PersistentVolumeClaim claim,
            StorageClass storageClass,
            ShareCatalog.Entry share,
            CloneSource source,
            ClaimFacts facts)
            throws RejectedException, ShareException {
        var cloned = share.volumes()
                .provisionClone(
                        facts,
                        storageClass.getParameters(),
                        dir -> w.provisioned().volumeAt(share, dir),
                        source.share().volumes().share(),
                        source.directory());
        var now = w.client()
                .persistentVolumeClaims()
                .inNamespace(claim.getMetadata().getNamespace())
                .withName(claim.getMetadata().getName())
                .get();
        if (now != null
                && Objects.equals(
                        now.getMetadata().getUid(), claim.getMetadata().getUid())) return Optional.of(cloned);
        share.volumes().reclaim(cloned.volume().nfsServer(), cloned.volume().nfsPath(), OnDelete.DELETE);
        started.remove(facts.volumeName());
        w.work(share).forgetCopy(facts.volumeName());
        w.provisioned().withdraw(facts.volumeName());
        return Optional.empty();
    }
}
