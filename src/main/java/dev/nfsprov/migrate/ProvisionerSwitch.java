package dev.nfsprov.migrate;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.provision.ShareLocation;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.reclaim.OnDelete;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hands another provisioner's volumes and StorageClasses to nfsprov under nfsprov's own provisioner name: each
 * volume's provisioned-by annotation is rewritten (nfsprov then reclaims it like its own), and each class is
 * re-created with the same name, parameters, policies and default flag (a class's provisioner cannot change in
 * place), without the old Helm release's ownership, so uninstalling that release no longer deletes it.
 */
public final class ProvisionerSwitch {

    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /**
     * volumesToRetain: volumes whose directories nfs-subdir never reclaimed, given onDelete retain when taken over.
     * reuseClasses: classes re-created with existingDirectory: reuse.
     */
    public record Plan(
            List<StorageClass> classes,
            List<PersistentVolume> volumes,
            List<String> steps,
            java.util.Set<String> volumesToRetain,
            java.util.Set<String> reuseClasses) {}

    /**
     * applyClassOnDelete: let the classes' onDelete reach volumes nfs-subdir never reclaimed (see below);
     * reuseExistingDirectories: re-create the classes migrate proposes it for with existingDirectory: reuse.
     */
    public record Choices(boolean applyClassOnDelete, boolean reuseExistingDirectories) {
        public static final Choices NONE = new Choices(false, false);
    }

    private final KubernetesClient client;
    private final ShareLocation share;
    private final dev.nfsprov.share.Share mounted;

    public ProvisionerSwitch(KubernetesClient client, ShareLocation share) {
        this(client, share, null);
    }

    /** mounted: the share through a local mount, to count what nfs-subdir left behind (null: not counted). */
    public ProvisionerSwitch(KubernetesClient client, ShareLocation share, dev.nfsprov.share.Share mounted) {
        this.client = client;
        this.share = share;
        this.mounted = mounted;
    }

    /** The classes (all of from's, or the named ones) and the volumes they made, checked against nfsprov's share. */
    public Plan plan(String from, String to, List<String> onlyClasses, Path backupDir) throws Refused, IOException {
        return plan(from, to, onlyClasses, backupDir, null);
    }

    /** oldNamespace: where the old provisioner ran (null: any namespace, where a look-alike Deployment also counts). */
    public Plan plan(String from, String to, List<String> onlyClasses, Path backupDir, String oldNamespace)
            throws Refused, IOException {
        return plan(from, to, onlyClasses, backupDir, oldNamespace, Choices.NONE);
    }

    public Plan plan(
            String from, String to, List<String> onlyClasses, Path backupDir, String oldNamespace, Choices choices)
            throws Refused, IOException {
        if (from.equals(to)) throw new Refused("--from-provisioner and --to-provisioner are the same: nothing to do");
        Optional<String> running = runningDeployment(from, oldNamespace);
        if (running.isPresent())
            throw new Refused("Deployment " + running.get() + " still runs provisioner " + from
                    + ": stop it first (helm uninstall), or both would provision and reclaim"
                    + (oldNamespace == null
                            ? ". If that Deployment is not the old provisioner (anyone who may create a Deployment in"
                                    + " its namespace can make one), give --controller-namespace with the namespace the"
                                    + " old provisioner ran in"
                            : ""));
        List<StorageClass> classes = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        for (StorageClass c : client.storage().v1().storageClasses().list().getItems()) {
            if (!onlyClasses.isEmpty() && !onlyClasses.contains(c.getMetadata().getName())) continue;
            if (!from.equals(c.getProvisioner()) && !to.equals(c.getProvisioner())) continue;
            try {
                dev.nfsprov.provision.ClassParameters.check(c.getParameters());
                VolumeService.onDelete(c.getParameters());
            } catch (VolumeService.RejectedException e) {
                throw new Refused("StorageClass " + c.getMetadata().getName() + ": " + e.getMessage());
            }
            classes.add(c);
            if (to.equals(c.getProvisioner()))
                steps.add("StorageClass " + c.getMetadata().getName() + ": done already");
            else
                steps.add("re-create StorageClass " + c.getMetadata().getName() + " with provisioner " + to
                        + " (parameters " + c.getParameters() + ", reclaimPolicy " + c.getReclaimPolicy()
                        + (Names.isDefault(c) ? ", the default class" : "") + ")"
                        + dev.nfsprov.provision.ClassParameters.notes(c.getParameters()).stream()
                                .map(n -> "; note: " + n)
                                .reduce("", String::concat));
        }
        // A run stopped between deleting a class and re-creating it left the class in the backups only.
        for (StorageClass c : backedUp(backupDir)) {
            String name = c.getMetadata().getName();
            if (!from.equals(c.getProvisioner()) || (!onlyClasses.isEmpty() && !onlyClasses.contains(name))) continue;
            if (client.storage().v1().storageClasses().withName(name).get() != null) continue;
            classes.add(c);
            steps.add("re-create StorageClass " + name + " with provisioner " + to + " from its backup in " + backupDir
                    + " (an earlier run deleted it and stopped before re-creating it)");
        }
        for (String name : onlyClasses)
            if (classes.stream().noneMatch(c -> c.getMetadata().getName().equals(name)))
                throw new Refused("StorageClass " + name + " does not exist or is not provisioned by " + from);
        var names = classes.stream().map(c -> c.getMetadata().getName()).toList();
        var nested = new java.util.HashSet<String>(); // classes whose deleted volumes nfs-subdir v4.0.2 kept
        var reuse = new java.util.TreeSet<String>();
        var nestedByDepth = new java.util.TreeMap<Integer, java.util.TreeSet<String>>(); // any onDelete
        for (StorageClass c : classes) {
            if (to.equals(c.getProvisioner())) continue;
            var p = c.getParameters() == null ? Map.<String, String>of() : c.getParameters();
            var template = template(p);
            OnDelete onDelete;
            try {
                onDelete = VolumeService.onDelete(p);
            } catch (VolumeService.RejectedException e) {
                throw new Refused("StorageClass " + c.getMetadata().getName() + ": " + e.getMessage());
            }
            if (template.levels() > 1)
                nestedByDepth
                        .computeIfAbsent(template.levels(), d -> new java.util.TreeSet<>())
                        .add(c.getMetadata().getName());
            if (template.levels() > 1 && onDelete == OnDelete.DELETE && !choices.applyClassOnDelete())
                nested.add(c.getMetadata().getName());
            boolean keeps = onDelete == OnDelete.RETAIN
                    || nested.contains(c.getMetadata().getName());
            if (!template.namesVolume() && keeps && !p.containsKey(VolumeService.PARAM_EXISTING_DIRECTORY)) {
                if (choices.reuseExistingDirectories()) {
                    reuse.add(c.getMetadata().getName());
                    steps.add("StorageClass " + c.getMetadata().getName() + ": re-created with existingDirectory:"
                            + " reuse");
                } else
                    steps.add("note: StorageClass " + c.getMetadata().getName() + "'s pathPattern names no"
                            + " ${.PV.name} and its data stays after a claim goes: nfs-subdir took over the directory"
                            + " a new claim's path named (users rely on it to find their data again), nfsprov refuses"
                            + " it by default; --reuse-existing-directories re-creates the class with"
                            + " existingDirectory: reuse");
            }
        }
        var retain = new java.util.TreeSet<String>();
        List<PersistentVolume> volumes = new ArrayList<>();
        var all = client.persistentVolumes().list().getItems();
        for (PersistentVolume v : all) {
            var a = v.getMetadata().getAnnotations();
            String by = a == null ? null : a.get(Names.ANN_PROVISIONED_BY);
            if (!from.equals(by) && !to.equals(by)) continue;
            if (!onlyClasses.isEmpty() && !names.contains(v.getSpec().getStorageClassName())) continue;
            var nfs = v.getSpec().getNfs();
            if (nfs == null || share.directoryOf(nfs.getServer(), nfs.getPath()).isEmpty())
                throw new Refused("PersistentVolume " + v.getMetadata().getName() + " is at "
                        + (nfs == null ? "no NFS source" : nfs.getServer() + ":" + nfs.getPath())
                        + ", not inside nfsprov's share " + share.server() + ":" + share.exportPath()
                        + ": nfsprov could never reclaim it; check --nfs-server and --nfs-path (as strings: a"
                        + " name and an address differ; give the old name with --nfs-server-alias, and the controller"
                        + " the same alias: chart nfs.serverAliases)");
            if (from.equals(by)) {
                volumes.add(v);
                boolean kept = nested.contains(v.getSpec().getStorageClassName())
                        && (a == null || !a.containsKey(Names.ANN_ON_DELETE));
                if (kept) retain.add(v.getMetadata().getName());
                steps.add("PersistentVolume " + v.getMetadata().getName() + " (" + claim(v) + "): provisioned-by "
                        + from + " → " + to + (kept ? "; onDelete retain recorded" : ""));
            }
        }
        for (String c : new java.util.TreeSet<>(nested))
            steps.add("note: StorageClass " + c + " has a nested pathPattern and deletes on delete, but nfs-subdir"
                    + " v4.0.2 looked for <mount>/<last segment> and never found these directories (nfs-subdir #91,"
                    + " #167, #272): it kept their data, and so does nfsprov for the volumes taken over (onDelete"
                    + " retain recorded on each); --apply-class-on-delete lets nfsprov delete them as the class says");
        steps.addAll(leftovers(nestedByDepth, all));
        return new Plan(classes, volumes, steps, retain, reuse);
    }

    /** Budget of directory entries read to count leftovers: a lower bound past it, in bounded time and memory. */
    static final long LEFTOVER_BUDGET = 1_000_000;

    private List<String> leftovers(Map<Integer, java.util.TreeSet<String>> nestedByDepth, List<PersistentVolume> all)
            throws Refused {
        if (nestedByDepth.isEmpty()) return List.of();
        if (mounted == null)
            return List.of("note: give --mount-path (the share mounted here) to count the directories nfs-subdir"
                    + " v4.0.2 left behind under the nested pathPattern of "
                    + nestedByDepth.values().stream()
                            .flatMap(java.util.Collection::stream)
                            .toList());
        var onShare = new java.util.HashSet<dev.nfsprov.pathtemplate.RelativePath>();
        for (PersistentVolume v : all) {
            var nfs = v.getSpec().getNfs();
            if (nfs != null) share.directoryOf(nfs.getServer(), nfs.getPath()).ifPresent(onShare::add);
        }
        var out = new ArrayList<String>();
        for (var e : nestedByDepth.entrySet()) {
            Leftovers.Count n;
            try {
                n = Leftovers.count(mounted, e.getKey(), onShare, LEFTOVER_BUDGET);
            } catch (dev.nfsprov.share.ShareException x) {
                throw new Refused("cannot count leftovers on the share: " + x.getMessage());
            }
            out.add("note: " + (n.partial() ? "at least " : "") + n.directories() + " director"
                    + (n.directories() == 1 ? "y" : "ies") + " " + e.getKey() + " levels down the share (the depth of "
                    + "StorageClass " + String.join(", ", e.getValue()) + "'s pathPattern) are no volume's: nfs-subdir"
                    + " v4.0.2 kept them when their claims were deleted. nfsprov leaves them as they are: `nfsprov"
                    + " adopt DIR --to NAMESPACE/CLAIM` makes one a claim's volume again; remove the others by hand");
        }
        return out;
    }

    /** Volumes first (a class re-created first would have nfsprov provision new claims beside unowned volumes). */
    public void apply(Plan plan, String to, Path backupDir) throws IOException {
        Files.createDirectories(backupDir);
        for (StorageClass c : plan.classes()) {
            Path backup = backupDir.resolve(BACKUP_PREFIX + c.getMetadata().getName() + ".yaml");
            if (Files.exists(backup)) continue; // the class as it was before the first run: never overwritten
            Path tmp = backupDir.resolve("." + backup.getFileName() + ".tmp");
            Files.writeString(tmp, Serialization.asYaml(c));
            Files.move(tmp, backup, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        for (PersistentVolume v : plan.volumes()) {
            var annotations = new LinkedHashMap<String, String>();
            annotations.put(Names.ANN_PROVISIONED_BY, to);
            if (plan.volumesToRetain().contains(v.getMetadata().getName()))
                annotations.put(Names.ANN_ON_DELETE, OnDelete.RETAIN.word());
            client.persistentVolumes()
                    .resource(v)
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            Serialization.asJson(Map.of("metadata", Map.of("annotations", annotations))));
        }
        for (StorageClass c : plan.classes()) {
            if (to.equals(c.getProvisioner())) continue;
            client.storage().v1().storageClasses().resource(c).delete();
            client.storage()
                    .v1()
                    .storageClasses()
                    .resource(new StorageClassBuilder(c)
                            .withNewMetadata()
                            .withName(c.getMetadata().getName())
                            .withLabels(withoutHelm(c.getMetadata().getLabels()))
                            .withAnnotations(withoutHelm(c.getMetadata().getAnnotations()))
                            .endMetadata()
                            .withProvisioner(to)
                            .withParameters(
                                    plan.reuseClasses().contains(c.getMetadata().getName())
                                            ? withReuse(c.getParameters())
                                            : c.getParameters())
                            .build())
                    .create();
        }
    }

    private static Map<String, String> withReuse(Map<String, String> parameters) {
        var out = new LinkedHashMap<String, String>(parameters == null ? Map.of() : parameters);
        out.put(VolumeService.PARAM_EXISTING_DIRECTORY, "reuse");
        return out;
    }

    private static dev.nfsprov.pathtemplate.PathTemplate template(Map<String, String> p) throws Refused {
        String pattern = p.get(VolumeService.PARAM_PATH_PATTERN);
        if (pattern == null || pattern.isBlank()) return dev.nfsprov.pathtemplate.PathTemplate.DEFAULT;
        try {
            return dev.nfsprov.pathtemplate.PathTemplate.parse(pattern);
        } catch (dev.nfsprov.pathtemplate.InvalidPathException e) {
            throw new Refused("pathPattern " + pattern + ": " + e.getMessage());
        }
    }

    static final String BACKUP_PREFIX = "storageclass-";

    private static List<StorageClass> backedUp(Path backupDir) throws IOException {
        List<StorageClass> out = new ArrayList<>();
        if (backupDir == null || !Files.isDirectory(backupDir)) return out;
        try (var files = Files.list(backupDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith(BACKUP_PREFIX)
                            && f.getFileName().toString().endsWith(".yaml"))
                    .sorted()
                    .toList()) out.add(Serialization.unmarshal(Files.readString(p), StorageClass.class));
        }
        return out;
    }

    /** The old release's ownership marks: kept, Helm would delete the class with the release (or refuse ours). */
    private static Map<String, String> withoutHelm(Map<String, String> m) {
        var out = new LinkedHashMap<String, String>();
        if (m == null) return out;
        m.forEach((k, v) -> {
            if (!k.startsWith("meta.helm.sh/")
                    && !k.equals("app.kubernetes.io/managed-by")
                    && !k.equals("heritage")
                    && !k.equals("kubectl.kubernetes.io/last-applied-configuration")) out.put(k, v);
        });
        return out;
    }

    private Optional<String> runningDeployment(String provisioner, String namespace) {
        var deployments = namespace == null
                ? client.apps().deployments().inAnyNamespace()
                : client.apps().deployments().inNamespace(namespace);
        for (Deployment d : deployments.list().getItems()) {
            var ready = d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
            if (ready == null || ready == 0) continue;
            boolean runs = d.getSpec().getTemplate().getSpec().getContainers().stream()
                    .flatMap(c -> c.getEnv() == null ? java.util.stream.Stream.empty() : c.getEnv().stream())
                    .anyMatch(e -> "PROVISIONER_NAME".equals(e.getName()) && provisioner.equals(e.getValue()));
            if (runs)
                return Optional.of(
                        d.getMetadata().getNamespace() + "/" + d.getMetadata().getName());
        }
        return Optional.empty();
    }

    private static String claim(PersistentVolume v) {
        var ref = v.getSpec().getClaimRef();
        return ref == null ? "no claim" : "claim " + ref.getNamespace() + "/" + ref.getName();
    }
}
