package dev.nfsprov.rebind;

import dev.nfsprov.faults.Faults;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.rebind.Plan.Action;
import dev.nfsprov.rebind.Plan.ClaimView;
import dev.nfsprov.rebind.Plan.Decision;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Re-creates stuck claims with the target StorageClass: backup first, delete only the exact object that was
 * planned (resourceVersion precondition), create, wait for Bound. Resumes an unfinished run from its backups.
 */
public final class Rebinder {

    public record Options(
            String namespace,
            List<String> names,
            String targetClass,
            boolean targetIsDefault,
            boolean apply,
            boolean restartPods,
            Long podGracePeriod,
            Duration timeout) {}

    /** One row of output: what was decided and how it ended. */
    public record Row(
            String namespace, String name, String storageClass, String why, String action, String result, boolean ok) {}

    private final KubernetesClient client;
    private final Backups backups;
    private final PrintWriter progress;
    /** Called after the plan and just before a claim is deleted; tests use it to change the claim in between. */
    Consumer<PersistentVolumeClaim> beforeDelete = c -> {};

    public Rebinder(KubernetesClient client, Backups backups, PrintWriter progress) {
        this.client = client;
        this.backups = backups;
        this.progress = progress;
    }

    /** Whether a class is the cluster's default (claims without a class get it from the PV controller). */
    public boolean isDefault(String className) {
        var c = client.storage().v1().storageClasses().withName(className).get();
        return c != null && dev.nfsprov.protocol.Names.isDefault(c);
    }

    /**
     * Refuses a target class no nfsprov controller serves (a Deployment or a held Lease for its provisioner), unless
     * anyProvisioner: rebind moving Kubeflow's MySQL onto local-path, one node's disk, is what it must not do by
     * default.
     */
    public void checkServed(String className, boolean anyProvisioner, String controllerNamespace) {
        if (anyProvisioner) return;
        var c = client.storage().v1().storageClasses().withName(className).get();
        if (c == null) return; // said by targetClass
        var controllers =
                dev.nfsprov.doctor.Controllers.find(client, controllerNamespace, new dev.nfsprov.doctor.Report());
        if (controllers.running(c.getProvisioner()).isEmpty())
            throw new RebindException("StorageClass " + className + " is provisioned by " + c.getProvisioner()
                    + ", which no nfsprov controller serves (no ready Deployment, no held Lease): rebind moves claims"
                    + " to nfsprov's classes. Name one with --storage-class, or give --any-provisioner to move them to "
                    + className + " anyway");
    }

    /** The class to move claims to: the one given, else the cluster's single default. */
    public String targetClass(String requested) {
        List<StorageClass> classes =
                client.storage().v1().storageClasses().list().getItems();
        if (requested != null) {
            if (classes.stream().noneMatch(c -> c.getMetadata().getName().equals(requested))) {
                throw new RebindException(
                        "StorageClass \"" + requested + "\" does not exist (kubectl get storageclass)");
            }
            return requested;
        }
        List<String> defaults = classes.stream()
                .filter(Names::isDefault)
                .map(c -> c.getMetadata().getName())
                .sorted()
                .toList();
        if (defaults.isEmpty())
            throw new RebindException("the cluster has no default StorageClass; name one with --storage-class");
        if (defaults.size() > 1)
            throw new RebindException("the cluster has " + defaults.size() + " default StorageClasses " + defaults
                    + "; name one with --storage-class");
        return defaults.getFirst();
    }

    public List<Row> run(Options o) throws IOException {
        List<Row> rows = new ArrayList<>();
        Set<String> handled = new HashSet<>();
        if (backups.unfinished()) {
            progress.println("resuming the unfinished run in " + backups.where());
            for (PersistentVolumeClaim original : backups.originals()) {
                if (!selected(original, o)) continue;
                var current = get(original);
                String was = original.getSpec().getStorageClassName();
                if (current != null
                        && Objects.equals(
                                current.getMetadata().getUid(),
                                original.getMetadata().getUid())) {
                    if (current.getMetadata().getDeletionTimestamp() == null)
                        continue; // not deleted yet: planned below
                    handled.add(key(original)); // deleted by an earlier run, still held (by pvc-protection): finish it
                    rows.add(
                            o.apply()
                                    ? finishRecreate(original, was, "deleted by an earlier run", o)
                                    : new Row(
                                            ns(original),
                                            name(original),
                                            was,
                                            "deleted by an earlier run, still terminating",
                                            "re-create",
                                            "planned",
                                            true));
                    continue;
                }
                handled.add(key(original));
                if (!o.apply()) {
                    rows.add(new Row(
                            ns(original),
                            name(original),
                            was,
                            current == null ? "deleted by an interrupted run" : "re-created by an interrupted run",
                            current == null ? "re-create from backup" : "wait for Bound",
                            "planned",
                            true));
                    continue;
                }
                if (current == null) create(ClaimRewrite.rewrite(original, o.targetClass(), false));
                rows.add(awaitBound(
                        original, was, current == null ? "re-created from backup" : "re-created earlier", o.timeout()));
            }
        }
        Set<String> classes = client.storage().v1().storageClasses().list().getItems().stream()
                .map(c -> c.getMetadata().getName())
                .collect(Collectors.toSet());
        Set<String> deletingNamespaces = client.namespaces().list().getItems().stream()
                .filter(n -> n.getMetadata().getDeletionTimestamp() != null)
                .map(n -> n.getMetadata().getName())
                .collect(Collectors.toSet());
        var list = o.namespace() == null
                ? client.persistentVolumeClaims().inAnyNamespace().list()
                : client.persistentVolumeClaims().inNamespace(o.namespace()).list();
        for (PersistentVolumeClaim claim : list.getItems()) {
            if (!selected(claim, o) || handled.contains(key(claim))) continue;
            Decision d = Plan.decide(
                    view(claim, deletingNamespaces),
                    classes,
                    o.targetClass(),
                    o.targetIsDefault(),
                    o.names().contains(name(claim)));
            String cls = claim.getSpec().getStorageClassName();
            if (!o.apply() || d.action() == Action.SKIP) {
                rows.add(new Row(
                        ns(claim),
                        name(claim),
                        cls,
                        d.why(),
                        word(d.action()),
                        o.apply() ? "skipped" : "planned",
                        true));
                continue;
            }
            progress.println(ns(claim) + "/" + name(claim) + ": " + word(d.action()) + " (" + d.why() + ")");
            rows.add(
                    d.action() == Action.WAIT_FOR_DEFAULT
                            ? awaitBound(claim, cls, "class assigned by the PV controller", o.timeout())
                            : recreate(claim, d, o));
        }
        if (o.apply() && rows.stream().allMatch(Row::ok)) backups.finish();
        return rows;
    }

    private Row recreate(PersistentVolumeClaim claim, Decision d, Options o) throws IOException {
        String cls = claim.getSpec().getStorageClassName();
        try {
            backups.save(claim);
        } catch (IOException | KubernetesClientException e) {
            // never deleted without a backup; one claim that cannot be kept does not stop the others
            return new Row(
                    ns(claim),
                    name(claim),
                    cls,
                    d.why(),
                    word(d.action()),
                    "refused: its original could not be backed up (" + dev.nfsprov.protocol.ApiErrors.describeAny(e)
                            + "); left as it is",
                    false);
        }
        beforeDelete.accept(claim);
        try {
            client.persistentVolumeClaims()
                    .inNamespace(ns(claim))
                    .withName(name(claim))
                    .lockResourceVersion(claim.getMetadata().getResourceVersion())
                    .delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                return new Row(
                        ns(claim),
                        name(claim),
                        cls,
                        d.why(),
                        "re-create",
                        "skipped: the claim changed since it was planned; run again",
                        false);
            }
            throw e;
        }
        Faults.point("rebind-after-delete");
        return finishRecreate(claim, cls, d.why(), o);
    }

    /** After the delete: wait for the old claim to go (restarting pods if allowed), then create the new one. */
    private Row finishRecreate(PersistentVolumeClaim claim, String cls, String why, Options o) {
        String blocked = awaitGone(claim, o);
        if (blocked != null) return new Row(ns(claim), name(claim), cls, why, "re-create", blocked, false);
        create(ClaimRewrite.rewrite(claim, o.targetClass(), false));
        return awaitBound(claim, cls, "re-created with " + o.targetClass(), o.timeout());
    }

    /** Waits for the old claim to disappear; returns why it cannot, or null once it is gone. */
    private String awaitGone(PersistentVolumeClaim claim, Options o) {
        long deadline = System.nanoTime() + o.timeout().toNanos();
        boolean podsDeleted = false;
        while (System.nanoTime() < deadline) {
            var current = get(claim);
            if (current == null
                    || !Objects.equals(
                            current.getMetadata().getUid(), claim.getMetadata().getUid())) return null;
            List<Pod> users = podsUsing(claim);
            if (!users.isEmpty() && !podsDeleted) {
                String names =
                        users.stream().map(p -> p.getMetadata().getName()).collect(Collectors.joining(", "));
                if (!o.restartPods()) {
                    return "held by pvc-protection: used by pod(s) " + names
                            + "; stop them, or rerun with --restart-pods (the original is backed up in "
                            + backups.where() + ")";
                }
                progress.println(
                        "  deleting pod(s) " + names + " so the claim can go (their controllers re-create them)");
                for (Pod p : users) {
                    var op = client.pods()
                            .inNamespace(p.getMetadata().getNamespace())
                            .withName(p.getMetadata().getName());
                    if (o.podGracePeriod() != null)
                        op.withGracePeriod(o.podGracePeriod()).delete();
                    else op.delete();
                }
                podsDeleted = true;
            }
            sleep();
        }
        return "still not deleted after " + o.timeout().toSeconds() + "s (finalizers "
                + get(claim).getMetadata().getFinalizers() + ")";
    }

    /** Scheduled pods that mount the claim: the ones the pvc-protection controller waits for. */
    private List<Pod> podsUsing(PersistentVolumeClaim claim) {
        return podsUsing(client, claim);
    }

    /**
     * Sets a volume's reclaim policy to Retain, so deleting its claim keeps it and its data. A merge patch without a
     * resourceVersion: idempotent, and never refused because the controller annotated the volume (its usage, say)
     * between a read and the write, as an optimistic edit was (SharesIT, 2026-11-29).
     */
    public static void keepVolume(KubernetesClient client, String volume) {
        client.persistentVolumes()
                .withName(volume)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}");
    }

    /** Scheduled, unfinished pods that mount the claim. */
    public static List<Pod> podsUsing(KubernetesClient client, PersistentVolumeClaim claim) {
        return client.pods().inNamespace(ns(claim)).list().getItems().stream()
                .filter(p -> p.getSpec().getNodeName() != null
                        && !p.getSpec().getNodeName().isEmpty())
                .filter(p -> !"Succeeded"
                                .equals(
                                        p.getStatus() == null
                                                ? null
                                                : p.getStatus().getPhase())
                        && !"Failed"
                                .equals(
                                        p.getStatus() == null
                                                ? null
                                                : p.getStatus().getPhase()))
                .filter(p -> p.getSpec().getVolumes() != null
                        && p.getSpec().getVolumes().stream()
                                .anyMatch(v -> v.getPersistentVolumeClaim() != null
                                        && name(claim)
                                                .equals(v.getPersistentVolumeClaim()
                                                        .getClaimName())))
                .toList();
    }

    private void create(PersistentVolumeClaim claim) {
        try {
            client.persistentVolumeClaims()
                    .inNamespace(ns(claim))
                    .resource(claim)
                    .create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) throw e; // created by an earlier, interrupted attempt
        }
    }

    private Row awaitBound(PersistentVolumeClaim claim, String was, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        PersistentVolumeClaim current = null;
        while (System.nanoTime() < deadline) {
            current = get(claim);
            if (current != null
                    && current.getStatus() != null
                    && "Bound".equals(current.getStatus().getPhase())) {
                progress.println("  " + ns(claim) + "/" + name(claim) + " Bound to "
                        + current.getSpec().getVolumeName());
                return new Row(
                        ns(claim),
                        name(claim),
                        was,
                        what,
                        "done",
                        "Bound (" + current.getSpec().getStorageClassName() + ")",
                        true);
            }
            sleep();
        }
        return new Row(
                ns(claim),
                name(claim),
                was,
                what,
                "done",
                "not Bound after " + timeout.toSeconds() + "s: run nfsprov doctor",
                false);
    }

    private PersistentVolumeClaim get(PersistentVolumeClaim c) {
        return client.persistentVolumeClaims()
                .inNamespace(ns(c))
                .withName(name(c))
                .get();
    }

    private static ClaimView view(PersistentVolumeClaim c, Set<String> deletingNamespaces) {
        return new ClaimView(
                ns(c),
                name(c),
                c.getMetadata().getUid(),
                c.getMetadata().getResourceVersion(),
                c.getStatus() == null ? null : c.getStatus().getPhase(),
                c.getSpec().getVolumeName(),
                c.getSpec().getStorageClassName(),
                c.getMetadata().getDeletionTimestamp() != null,
                deletingNamespaces.contains(ns(c)));
    }

    private static boolean selected(PersistentVolumeClaim c, Options o) {
        return (o.namespace() == null || o.namespace().equals(ns(c)))
                && (o.names().isEmpty() || o.names().contains(name(c)));
    }

    private static String word(Action a) {
        return switch (a) {
            case SKIP -> "skip";
            case WAIT_FOR_DEFAULT -> "wait for default class";
            case RECREATE -> "re-create";
        };
    }

    private static String ns(PersistentVolumeClaim c) {
        return c.getMetadata().getNamespace();
    }

    private static String name(PersistentVolumeClaim c) {
        return c.getMetadata().getName();
    }

    private static String key(PersistentVolumeClaim c) {
        return ns(c) + "/" + name(c);
    }

    private static void sleep() {
        try {
            Thread.sleep(250); // polling the API with a deadline; a watch would save little for a handful of claims
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RebindException("interrupted");
        }
    }

    /** A problem with the request itself (no target class, ...), said in one line. */
    public static final class RebindException extends RuntimeException {
        public RebindException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Restores every backed-up original: the re-created claim (if any) is deleted and the original created again. A
     * re-created claim that is Bound is refused: deleting it would reclaim its volume, data included. With
     * releaseBound its volume's reclaim policy is set to Retain first, so the data stays on the share.
     */
    public List<Row> restore(Duration timeout, boolean releaseBound) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (PersistentVolumeClaim original : backups.originals()) {
            var current = get(original);
            String was = original.getSpec().getStorageClassName();
            if (current != null
                    && Objects.equals(
                            current.getMetadata().getUid(),
                            original.getMetadata().getUid())) {
                rows.add(new Row(ns(original), name(original), was, "never deleted", "restore", "unchanged", true));
                continue;
            }
            String volume = current == null ? null : current.getSpec().getVolumeName();
            if (volume != null && !volume.isEmpty()) {
                if (!releaseBound) {
                    rows.add(new Row(
                            ns(original),
                            name(original),
                            was,
                            "the re-created claim is bound to " + volume + "; deleting it would reclaim that volume",
                            "restore",
                            "refused: add --release-bound to keep the volume (reclaim policy Retain) and restore",
                            false));
                    continue;
                }
                keepVolume(client, volume);
            }
            if (current != null) {
                client.persistentVolumeClaims()
                        .inNamespace(ns(original))
                        .withName(name(original))
                        .lockResourceVersion(current.getMetadata().getResourceVersion())
                        .delete();
                long deadline = System.nanoTime() + timeout.toNanos();
                while (get(original) != null) {
                    if (System.nanoTime() > deadline) {
                        rows.add(new Row(
                                ns(original),
                                name(original),
                                was,
                                "re-created claim not gone",
                                "restore",
                                "failed: still being deleted",
                                false));
                        break;
                    }
                    sleep();
                }
                if (get(original) != null) continue;
            }
            create(ClaimRewrite.rewrite(original, null, true));
            rows.add(new Row(
                    ns(original),
                    name(original),
                    was,
                    "restored from " + backups.where(),
                    "restore",
                    "restored",
                    true));
        }
        return rows;
    }
}
