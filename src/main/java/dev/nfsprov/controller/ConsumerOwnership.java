package dev.nfsprov.controller;

import dev.nfsprov.logging.Fields;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.protocol.OwnershipRules;
import dev.nfsprov.protocol.OwnershipVerdict;
import dev.nfsprov.share.DirectoryOwner;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Gives the directory of a volume whose class says {@code ownership: consumer} to the first Pod that uses its claim.
 * Translation only: the decisions are {@link OwnershipRules}', the directory change the share's. The owner is
 * recorded on the volume before the directory changes and marked applied after, so a crash in between re-applies
 * the same owner (idempotent) and a later Pod never changes it. Pods are watched only in the namespaces of consumer-owned
 * volumes, only once bound to a node, listed one at a time, and kept trimmed to a bounded size: no Pod anywhere
 * else, however large, costs the controller anything.
 */
final class ConsumerOwnership {

    private static final Logger LOG = Logger.getLogger(ConsumerOwnership.class.getName());
    private static final String BY_CLAIM = "claim";
    /** Pods listed one to a page: a tenant's Pod may be 1.5 MiB, ~8 MiB as objects before it is trimmed. */
    static final long POD_LIST_PAGE = 1;

    private final Wiring w;
    private final String initialNamespace;
    /** Consumer-owned volumes (uid) and their claim's namespace: the namespaces Pods are watched in. */
    private final Map<String, String> consumerOwned = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.ExecutorService namespaceChanges =
            java.util.concurrent.Executors.newSingleThreadExecutor(
                    Thread.ofPlatform().name("pod-namespaces").daemon().factory());
    private volatile InformerEventSource<Pod, PersistentVolume> pods;
    private java.util.Set<String> watched;
    private final Rejections said = new Rejections();
    /** Volumes this process gave away, so a reconcile on a cache that has not seen the second patch yet skips. */
    private final Map<String, String> appliedHere =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > 10_000;
                }
            });

    /** initialNamespace: where Pods are watched until the first change (JOSDK takes no empty set: it means all). */
    ConsumerOwnership(Wiring w, String initialNamespace) {
        this.w = w;
        this.initialNamespace = initialNamespace;
        this.watched = java.util.Set.of(initialNamespace);
    }

    /**
     * Pods bound to a node in the namespaces of volumes waiting for their owner, trimmed to what the rules read. A
     * Pod's volumes and ids cannot change, so only its arrival matters (a Pod enters the selection when it is
     * bound); it wakes the volumes bound to the claims it names.
     */
    InformerEventSource<Pod, PersistentVolume> eventSource(EventSourceContext<PersistentVolume> context) {
        var volumes = context.getPrimaryCache();
        volumes.addIndexers(Map.of(BY_CLAIM, ConsumerOwnership::claimKeys));
        var config = InformerEventSourceConfiguration.from(Pod.class, PersistentVolume.class)
                .withName("pods")
                .withNamespaces(java.util.Set.of(initialNamespace))
                .withFollowControllerNamespacesChanges(true) // what lets changeNamespaces act
                .withFieldSelector(new io.javaoperatorsdk.operator.api.config.informer.FieldSelector(
                        new io.javaoperatorsdk.operator.api.config.informer.FieldSelector.Field(
                                "spec.nodeName", "", true)))
                .withItemStore(new TrimmedItemStore<>(p -> false, OwnershipRules::trim))
                .withInformerListLimit(POD_LIST_PAGE)
                .withOnUpdateFilter((newer, older) -> false)
                .withOnDeleteFilter((pod, unknown) -> false)
                .withSecondaryToPrimaryMapper(pod -> OwnershipRules.claims(pod).stream()
                        .flatMap(
                                c -> volumes.byIndex(BY_CLAIM, pod.getMetadata().getNamespace() + "/" + c).stream())
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
                .build();
        var source = new InformerEventSource<>(config, context);
        pods = source;
        return source;
    }

    /**
     * Whether Pods are watched for this volume in its claim's namespace: a bound consumer-owned one, waiting for its
     * first consumer, or told of later Pods that cannot write it.
     */
    private static boolean watchesPods(PersistentVolume volume) {
        return OwnershipRules.consumerOwned(volume.getMetadata().getAnnotations())
                && volume.getSpec().getClaimRef() != null
                && volume.getMetadata().getDeletionTimestamp() == null;
    }

    /** Notes whether Pods are watched for a volume, and changes the namespaces watched when that changes. */
    void track(PersistentVolume volume) {
        String uid = volume.getMetadata().getUid();
        String ns = watchesPods(volume) ? volume.getSpec().getClaimRef().getNamespace() : null;
        String before = ns == null ? consumerOwned.remove(uid) : consumerOwned.put(uid, ns);
        if (!java.util.Objects.equals(before, ns)) rewatch();
    }

    /** A volume gone: its namespace is watched no longer unless another consumer-owned volume is there. */
    void forget(PersistentVolume volume) {
        if (consumerOwned.remove(volume.getMetadata().getUid()) != null) rewatch();
    }

    /** Sets the namespaces Pods are watched in to those of consumer-owned volumes, off the reconcile threads. */
    void rewatch() {
        namespaceChanges.execute(() -> {
            var source = pods;
            var now = java.util.Set.copyOf(consumerOwned.values());
            if (source == null || now.equals(watched)) return;
            try {
                source.changeNamespaces(now);
                watched = now;
                Fields.of("namespaces", String.join(",", new java.util.TreeSet<>(now)))
                        .log(LOG, Level.FINE, "pods watched");
            } catch (RuntimeException e) {
                LOG.warning("cannot change the namespaces Pods are watched in (tried again on the next change): "
                        + ApiErrors.describeAny(e));
            }
        });
    }

    /**
     * The claim of a volume whose class says consumer ownership; none for others (reconcile leaves them alone), so
     * the index holds no set for each of them (~400 bytes a volume).
     */
    private static List<String> claimKeys(PersistentVolume volume) {
        if (!OwnershipRules.consumerOwned(volume.getMetadata().getAnnotations())) return List.of();
        var ref = volume.getSpec() == null ? null : volume.getSpec().getClaimRef();
        if (ref == null || ref.getNamespace() == null || ref.getName() == null) return List.of();
        return List.of(ref.getNamespace() + "/" + ref.getName());
    }

    void reconcile(PersistentVolume volume, Context<PersistentVolume> context) throws OwnershipFailure {
        track(volume);
        var a = volume.getMetadata().getAnnotations();
        if (!OwnershipRules.consumerOwned(a)) return;
        var ref = volume.getSpec().getClaimRef();
        if (ref == null || volume.getMetadata().getDeletionTimestamp() != null) return;
        var source = pods;
        List<Pod> consumers = source == null
                ? List.of()
                : source.list(ref.getNamespace(), p -> OwnershipRules.claims(p).contains(ref.getName()))
                        .toList();
        PersistentVolumeClaim claim = VolumeRecords.claimOf(volume);
        try {
            switch (OwnershipRules.decide(a, consumers, ref.getName(), idRange(volume))) {
                case OwnershipVerdict.Nothing n -> {}
                case OwnershipVerdict.Waiting n -> {}
                case OwnershipVerdict.NoIds n -> {
                    String why = "Pod " + n.pod() + " " + n.why() + ", so the volume (StorageClass ownership:"
                            + " consumer) is not given to it; its directory stays 0770 and root's until a Pod with ids it"
                            + " may be given runs. Set the Pod's securityContext (fsGroup at least)";
                    if (said.isNew(volume.getMetadata().getUid() + "/" + why, why))
                        w.events().post(claim, Events.WARNING, "OwnerUnknown", why);
                }
                case OwnershipVerdict.Take t -> {
                    // With the volume's resourceVersion: a cache that has not seen an owner recorded by an earlier
                    // attempt (stale) gets a conflict, and the next look, on fresh data, finishes that owner instead.
                    annotate(volume, Names.ANN_OWNER, t.owner().format(), true);
                    give(volume, claim, t.owner(), "from Pod " + t.pod());
                }
                case OwnershipVerdict.Finish f -> {
                    if (!appliedHere.containsKey(volume.getMetadata().getUid())) give(volume, claim, f.owner(), "");
                }
                case OwnershipVerdict.Misfits m -> {
                    for (String why : m.reasons())
                        if (said.isNew(volume.getMetadata().getUid() + "/" + why, why))
                            w.events().post(claim, Events.WARNING, "OwnershipMismatch", why);
                }
            }
        } catch (ShareException | dev.nfsprov.provision.VolumeService.RejectedException e) {
            failed(volume, claim, e.getMessage());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409)
                throw new OwnershipFailure("volume " + volume.getMetadata().getName()
                        + ": changed since it was read; looked at again"); // not the tenant's business: no Event
            failed(volume, claim, "Kubernetes API: " + ApiErrors.describe(e));
        }
    }

    /** The ids the volume's class lets a directory be given to (directoryIdRange; root never by default). */
    private OwnershipRules.IdRange idRange(PersistentVolume volume) throws OwnershipFailure {
        String name = volume.getSpec().getStorageClassName();
        var c = name == null || name.isEmpty() ? null : w.storageClasses().get(name);
        if (c == null) return OwnershipRules.IdRange.DEFAULT;
        try {
            long[] r = dev.nfsprov.provision.VolumeService.idRange(c.getParameters());
            return new OwnershipRules.IdRange(r[0], r[1]);
        } catch (dev.nfsprov.provision.VolumeService.RejectedException e) {
            failed(volume, VolumeRecords.claimOf(volume), e.getMessage());
            return null; // not reached: failed throws
        }
    }

    private void give(PersistentVolume volume, PersistentVolumeClaim claim, DirectoryOwner owner, String from)
            throws ShareException, dev.nfsprov.provision.VolumeService.RejectedException {
        var nfs = volume.getSpec().getNfs();
        if (nfs == null) throw new ShareException("the volume has no spec.nfs");
        String name = volume.getMetadata().getName();
        var share = w.shareOf(volume);
        var given = w.work(share)
                .step(
                        "giving the directory of " + name + " to " + owner.describe(),
                        () -> share.volumes().giveTo(nfs.getServer(), nfs.getPath(), owner));
        String now = given.now().describe() + (given.ownerSet() ? "" : " (the share refused the owner)");
        appliedHere.put(volume.getMetadata().getUid(), now);
        annotate(volume, Names.ANN_OWNER_APPLIED, now);
        if (given.ownerSet()) {
            w.events()
                    .post(
                            claim,
                            Events.NORMAL,
                            "OwnerSet",
                            "volume directory given to " + owner.describe() + " " + from
                                    + ", mode 2770 (once, this directory only)");
        } else {
            w.events()
                    .post(
                            claim,
                            Events.WARNING,
                            "OwnerNotSet",
                            "the share refused to give the directory to "
                                    + owner.describe()
                                    + " (root squash): it is mode 0777 instead so the workload can write;"
                                    + " export the share with no_root_squash for owned volumes");
        }
        Fields.of("volume", name, "owner", owner.format(), "directory", now).log(LOG, Level.INFO, "owner set");
    }

    private void annotate(PersistentVolume volume, String key, String value) {
        annotate(volume, key, value, false);
    }

    private void annotate(PersistentVolume volume, String key, String value, boolean ifUnchanged) {
        if (ifUnchanged) VolumeRecords.annotateIfUnchanged(w.client(), volume, Map.of(key, value));
        else VolumeRecords.annotate(w.client(), volume, Map.of(key, value));
    }

    private void failed(PersistentVolume volume, PersistentVolumeClaim claim, String why) throws OwnershipFailure {
        // retried with backoff for as long as it takes: the claim hears of each reason once, the log of each try
        if (said.isNew(volume.getMetadata().getUid() + "/failed", why))
            w.events()
                    .post(
                            claim,
                            Events.WARNING,
                            "OwnerNotSet",
                            "cannot give the volume's directory to its consumer: " + why);
        Fields.of("volume", volume.getMetadata().getName(), "reason", why)
                .log(LOG, Level.WARNING, "owner not set; retrying with backoff");
        throw new OwnershipFailure("volume " + volume.getMetadata().getName() + ": " + why);
    }

    /** A failed attempt, already reported as an Event; thrown so the framework retries with backoff. */
    static final class OwnershipFailure extends Exception {
        OwnershipFailure(String message) {
            super(message, null, false, false);
        }
    }
}
