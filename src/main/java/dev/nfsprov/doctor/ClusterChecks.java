package dev.nfsprov.doctor;

import dev.nfsprov.pathtemplate.InvalidPathException;
import dev.nfsprov.pathtemplate.PathTemplate;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.ClaimRules;
import dev.nfsprov.protocol.ClaimVerdict;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.ShareMount;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.reclaim.OnDelete;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What is wrong in the cluster for nfsprov: access, StorageClasses, the controller, and every Pending claim. */
public final class ClusterChecks {

    /**
     * (group, resource, verb) the controller needs cluster-wide: the chart's ClusterRole, which ChartIT holds it to.
     * With streaming lists (Kubernetes 1.32 and newer) its caches need watch alone; paged lists also need list.
     */
    public static final List<String[]> NEEDED = List.of(
            new String[] {"", "persistentvolumeclaims", "get"},
            new String[] {"", "persistentvolumeclaims", "watch"},
            new String[] {"", "persistentvolumeclaims/status", "patch"},
            new String[] {"", "persistentvolumes", "get"},
            new String[] {"", "persistentvolumes", "watch"},
            new String[] {"", "persistentvolumes", "create"},
            new String[] {"", "persistentvolumes", "delete"},
            new String[] {"", "persistentvolumes", "patch"},
            new String[] {"storage.k8s.io", "storageclasses", "watch"},
            new String[] {"", "events", "create"},
            new String[] {"", "pods", "watch"},
            new String[] {"nfsprov.dev", "claimsnapshots", "get"},
            new String[] {"nfsprov.dev", "claimsnapshots", "watch"},
            new String[] {"nfsprov.dev", "claimsnapshots", "delete"},
            new String[] {"nfsprov.dev", "claimsnapshots/status", "patch"});

    private final KubernetesClient client;
    private final String configSource;
    private Controllers controllers = Controllers.NONE;

    /** configSource says where the client's configuration came from (a file, in-cluster), for error messages. */
    public ClusterChecks(KubernetesClient client, String configSource) {
        this(client, configSource, null);
    }

    /** controllerNamespace: where the nfsprov controller runs (null: look in every namespace). */
    public ClusterChecks(KubernetesClient client, String configSource, String controllerNamespace) {
        this.client = client;
        this.configSource = configSource;
        this.controllerNamespace = controllerNamespace;
    }

    private final String controllerNamespace;
    /** The nfsprov class the fixes name (see nfsprovClassName), or null. */
    private String recommended;

    /** The nfsprov controllers found by {@link #run}: Deployments, the shares they serve, their Leases. */
    public Controllers controllers() {
        return controllers;
    }

    private final List<StorageClass> served = new ArrayList<>();

    /** The classes nfsprov serves, found by {@link #run}. */
    public List<StorageClass> served() {
        return served;
    }

    /** Returns false if the API cannot be reached (the other checks are then skipped). */
    public boolean run(String namespace, Report report) {
        try {
            var v = client.getKubernetesVersion();
            report.add(Check.ok("Kubernetes API", v.getGitVersion() + " at " + client.getMasterUrl()));
        } catch (KubernetesClientException e) {
            report.add(Check.problem(
                    "Kubernetes API",
                    describe(e) + " (" + client.getMasterUrl() + ", from " + configSource + ")",
                    "check --kubeconfig / KUBECONFIG / ~/.kube/config and that the API server is up"));
            return false;
        }
        permissions(report);
        List<StorageClass> classes =
                client.storage().v1().storageClasses().list().getItems();
        controllers = Controllers.find(client, controllerNamespace, report);
        defaultClasses(classes, report);
        classParameters(classes, report);
        volumeMountOptions(report);
        controllerHealth(report);
        pendingClaims(namespace, classes, report);
        return true;
    }

    private void permissions(Report report) {
        List<String> missing = new ArrayList<>();
        for (String[] n : NEEDED) {
            var review = client.authorization()
                    .v1()
                    .selfSubjectAccessReview()
                    .create(new SelfSubjectAccessReviewBuilder()
                            .withNewSpec()
                            .withNewResourceAttributes()
                            .withGroup(n[0])
                            .withResource(n[1])
                            .withVerb(n[2])
                            .endResourceAttributes()
                            .endSpec()
                            .build());
            if (!Boolean.TRUE.equals(review.getStatus().getAllowed())) missing.add(n[2] + " " + n[1]);
        }
        if (missing.isEmpty())
            report.add(Check.ok("permissions", "this identity may do everything the nfsprov controller does"));
        else
            report.add(Check.warning(
                    "permissions",
                    "this identity may not: " + String.join(", ", missing),
                    "fine for an administrator's read-only look; the controller's ServiceAccount needs them "
                            + "(the chart's ClusterRole)"));
    }

    private void defaultClasses(List<StorageClass> classes, Report report) {
        List<String> defaults = classes.stream()
                .filter(Names::isDefault)
                .map(c -> c.getMetadata().getName())
                .sorted()
                .toList();
        String ours = nfsprovClassName(classes);
        if (defaults.size() == 1) {
            var d = classes.stream()
                    .filter(c -> c.getMetadata().getName().equals(defaults.getFirst()))
                    .findFirst()
                    .orElseThrow();
            if (nfsprovClass(d)) report.add(Check.ok("default StorageClass", defaults.getFirst() + served(d)));
            else
                report.add(Check.warning(
                        "default StorageClass",
                        defaults.getFirst() + " is not nfsprov's (provisioner " + d.getProvisioner() + "): claims"
                                + " without storageClassName, as Kubeflow's, get its volumes",
                        ours == null
                                ? "install nfsprov as the default class (docs/install.md)"
                                : "kubectl annotate storageclass " + defaults.getFirst() + " " + Names.ANN_DEFAULT_CLASS
                                        + "- && kubectl annotate storageclass " + ours + " "
                                        + Names.ANN_DEFAULT_CLASS + "=true"));
        } else if (defaults.isEmpty())
            report.add(Check.problem(
                    "default StorageClass",
                    "none: claims without storageClassName (as Kubeflow creates them) stay Pending",
                    ours == null
                            ? "no nfsprov class either: install nfsprov as the default class (docs/install.md)"
                            : "kubectl annotate storageclass " + ours + " " + Names.ANN_DEFAULT_CLASS + "=true"));
        else
            report.add(Check.problem(
                    "default StorageClass",
                    defaults.size() + " defaults " + defaults + ": which one a new claim gets is not what you chose",
                    keepOneDefault(defaults, ours)));
    }

    /** Unmarks every default but nfsprov's (or, with none of them nfsprov's, but the first), by name. */
    private static String keepOneDefault(List<String> defaults, String ours) {
        String keep = defaults.contains(ours) ? ours : defaults.getFirst();
        String command = defaults.stream()
                .filter(d -> !d.equals(keep))
                .map(d -> "kubectl annotate storageclass " + d + " " + Names.ANN_DEFAULT_CLASS + "-")
                .collect(java.util.stream.Collectors.joining(" && "));
        return command + " (keeps " + keep + (keep.equals(ours) ? ", nfsprov's" : "; name another to keep it") + ")";
    }

    /**
     * The nfsprov class doctor recommends in its fixes: the default if it is nfsprov's, else the one a running
     * controller serves, else the only one; null when there is none.
     */
    private String nfsprovClassName(List<StorageClass> classes) {
        var ours = classes.stream()
                .filter(this::nfsprovClass)
                .sorted(Comparator.comparing(c -> c.getMetadata().getName()))
                .toList();
        return ours.stream()
                .filter(Names::isDefault)
                .findFirst()
                .or(() -> ours.stream()
                        .filter(c -> controllers.running(c.getProvisioner()).isPresent())
                        .findFirst())
                .or(() -> ours.stream().findFirst())
                .map(c -> c.getMetadata().getName())
                .orElse(null);
    }

    /** ", served by <controller>" or ", no nfsprov controller serves it yet". */
    private String served(StorageClass c) {
        return controllers
                .running(c.getProvisioner())
                .map(r -> ", served by " + r)
                .orElse(", and no nfsprov controller serves it (no ready Deployment, no held Lease)");
    }

    /** Served by nfsprov: a Deployment says so, its Lease is held, or it has nfsprov's parameters. */
    private boolean nfsprovClass(StorageClass c) {
        Map<String, String> p = c.getParameters() == null ? Map.of() : c.getParameters();
        return controllers.all().stream().anyMatch(k -> k.provisioner().equals(c.getProvisioner()))
                || controllers.leader(c.getProvisioner()).isPresent()
                || p.containsKey(VolumeService.PARAM_PATH_PATTERN)
                || p.containsKey(OnDelete.PARAM_ON_DELETE)
                || p.containsKey(OnDelete.PARAM_ARCHIVE_ON_DELETE);
    }

    private void classParameters(List<StorageClass> classes, Report report) {
        for (StorageClass c : classes.stream()
                .filter(this::nfsprovClass)
                .sorted(Comparator.comparing(x -> x.getMetadata().getName()))
                .toList()) {
            served.add(c);
            String title = "StorageClass " + c.getMetadata().getName();
            List<String> problems = new ArrayList<>();
            Map<String, String> p = c.getParameters() == null ? Map.of() : c.getParameters();
            try {
                if (p.containsKey(VolumeService.PARAM_PATH_PATTERN))
                    PathTemplate.parse(p.get(VolumeService.PARAM_PATH_PATTERN));
            } catch (InvalidPathException e) {
                problems.add("pathPattern: " + e.getMessage());
            }
            try {
                OnDelete.fromParameters(p);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
            try {
                dev.nfsprov.provision.ClassParameters.check(p);
            } catch (VolumeService.RejectedException e) {
                problems.add(e.getMessage());
            }
            String share = p.get(ShareCatalog.PARAM_SHARE);
            controllers.all().stream()
                    .filter(k -> k.provisioner().equals(c.getProvisioner()))
                    .findFirst()
                    .filter(k -> share != null
                            && !share.strip().equals(ShareMount.DEFAULT)
                            && k.moreShares().stream().noneMatch(m -> m.name().equals(share.strip())))
                    .ifPresent(k -> problems.add("share \"" + share + "\" is not one controller " + k.namespace()
                            + "/" + k.name() + " serves (default"
                            + k.moreShares().stream().map(m -> ", " + m.name()).reduce("", String::concat)
                            + "): add it to the chart's shares list"));
            if (!problems.isEmpty()) {
                report.add(Check.problem(
                        title,
                        String.join("; ", problems),
                        "StorageClass parameters cannot be edited: delete and re-create the class with "
                                + "fixed parameters"));
                continue;
            }
            var notes = dev.nfsprov.provision.ClassParameters.notes(p);
            if (!notes.isEmpty())
                report.add(Check.warning(
                        title,
                        String.join("; ", notes),
                        "nothing breaks; to be rid of the note, re-create the class without them"));
            List<String> mount = c.getMountOptions() == null ? List.of() : c.getMountOptions();
            if (mount.stream().noneMatch(o -> o.startsWith("nfsvers=") || o.startsWith("vers="))) {
                report.add(Check.warning(
                        title,
                        "mountOptions name no NFS version: nodes may mount with NFSv3 (" + NfsChecks.V3_REASONS + ")",
                        "re-create the class with mountOptions: [nfsvers=4.1]"));
            } else if (mount.stream().anyMatch(o -> o.matches("(nfs)?vers=3.*"))) {
                report.add(Check.warning(
                        title,
                        "mounts with NFSv3: " + NfsChecks.V3_REASONS,
                        "re-create the class with mountOptions: [nfsvers=4.1]"));
            } else {
                report.add(Check.ok(
                        title, "provisioner " + c.getProvisioner() + ", parameters valid, mountOptions " + mount));
            }
        }
    }

    /**
     * A class's mountOptions can change in place (helm upgrade does it); the volumes made before keep the options
     * they were made with, and mount with them. Each class's volumes that differ are named (at most ten), with how
     * to bring one in line.
     */
    private void volumeMountOptions(Report report) {
        if (served.isEmpty()) return;
        Map<String, List<String>> byClass = new HashMap<>();
        served.forEach(c -> byClass.put(c.getMetadata().getName(), mountOptions(c.getMountOptions())));
        Map<String, List<String>> differing = new java.util.TreeMap<>();
        for (var v : client.persistentVolumes().list().getItems()) {
            String cls = v.getSpec().getStorageClassName();
            List<String> wanted = cls == null ? null : byClass.get(cls);
            if (wanted == null || v.getSpec().getNfs() == null) continue;
            if (!mountOptions(v.getSpec().getMountOptions()).equals(wanted))
                differing
                        .computeIfAbsent(cls, k -> new ArrayList<>())
                        .add(v.getMetadata().getName());
        }
        differing.forEach((cls, volumes) -> {
            var shown = volumes.stream().sorted().limit(10).toList();
            report.add(Check.warning(
                    "volumes of StorageClass " + cls,
                    volumes.size() + " mount with other options than the class's " + byClass.get(cls) + " ("
                            + String.join(", ", shown) + (volumes.size() > shown.size() ? ", ..." : "")
                            + "): a volume keeps the options it was made with",
                    "kubectl patch pv " + shown.getFirst() + " --type merge -p '{\"spec\":{\"mountOptions\":"
                            + io.fabric8.kubernetes.client.utils.Serialization.asJson(byClass.get(cls))
                            + "}}' (each such volume; it takes effect at the volume's next mount)"));
        });
    }

    private static List<String> mountOptions(List<String> options) {
        return options == null ? List.of() : options.stream().sorted().toList();
    }

    private void controllerHealth(Report report) {
        if (controllers.namespaces().size() > 1)
            report.add(Check.warning(
                    "nfsprov controllers",
                    "Deployments that look like nfsprov controllers run in several namespaces ("
                            + String.join(", ", controllers.namespaces())
                            + "): anyone who may create a Deployment can make one look like a controller, so doctor"
                            + " probes none of their NFS servers",
                    "nfsprov doctor --controller-namespace NAMESPACE (the chart's release namespace)"));
        for (Controllers.Controller c : controllers.all()) {
            String title = "controller " + c.namespace() + "/" + c.name();
            if (!c.ready()) {
                String why = ControllerPods.trouble(client, c.namespace(), c.selector());
                report.add(Check.problem(
                        title,
                        "Deployment has no ready replica" + (why == null ? "" : ": " + why),
                        "kubectl -n " + c.namespace() + " describe deployment " + c.name() + "; kubectl -n "
                                + c.namespace() + " logs deploy/" + c.name()
                                + (why != null && why.contains("squashes root") ? " (docs/troubleshooting.md)" : "")));
                continue;
            }
            report.add(Check.ok(
                    title,
                    "ready, provisioner " + c.provisioner()
                            + controllers
                                    .leader(c.provisioner())
                                    .map(l -> ", leader " + l.getSpec().getHolderIdentity())
                                    .orElse("")));
        }
    }

    private void pendingClaims(String namespace, List<StorageClass> classes, Report report) {
        var list = namespace == null
                ? client.persistentVolumeClaims().inAnyNamespace().list()
                : client.persistentVolumeClaims().inNamespace(namespace).list();
        Map<String, StorageClass> byName = new HashMap<>();
        classes.forEach(c -> byName.put(c.getMetadata().getName(), c));
        Optional<String> defaultClass = classes.stream()
                .filter(Names::isDefault)
                .map(c -> c.getMetadata().getName())
                .findFirst();
        recommended = nfsprovClassName(classes);
        int pending = 0;
        for (PersistentVolumeClaim claim : list.getItems()) {
            String phase =
                    claim.getStatus() == null ? "Pending" : claim.getStatus().getPhase();
            if (!"Pending".equals(phase) && !"Lost".equals(phase)) continue;
            pending++;
            report.add(explain(claim, phase, byName, defaultClass));
        }
        if (pending == 0)
            report.add(Check.ok("claims", "none Pending" + (namespace == null ? "" : " in " + namespace)));
    }

    Check explain(
            PersistentVolumeClaim claim,
            String phase,
            Map<String, StorageClass> classes,
            Optional<String> defaultClass) {
        String ns = claim.getMetadata().getNamespace();
        String name = claim.getMetadata().getName();
        String title = "claim " + ns + "/" + name;
        // every fix is a command that works as printed: the nfsprov class named, never a placeholder
        String rebind = recommended == null
                ? "install nfsprov as the default class (docs/install.md)"
                : "nfsprov rebind -n " + ns + " " + name + " --apply --storage-class " + recommended;
        var spec = claim.getSpec();
        if (spec.getVolumeName() != null && !spec.getVolumeName().isEmpty()) {
            if (client.persistentVolumes().withName(spec.getVolumeName()).get() == null) {
                return Check.problem(
                        title,
                        phase + ", bound to PersistentVolume " + spec.getVolumeName() + ", which does not exist",
                        "the data's volume object is gone: re-create the PV if the data still exists, or delete "
                                + "and re-create the claim");
            }
            return Check.warning(
                    title,
                    phase + ", binding to " + spec.getVolumeName() + " in progress",
                    "wait a few seconds; if it stays, kubectl describe pvc -n " + ns + " " + name);
        }
        String cls = spec.getStorageClassName();
        if (cls == null) {
            return defaultClass
                    .map(d -> Check.warning(
                            title,
                            "Pending with no storageClassName; the PV controller assigns the default " + d + " shortly",
                            "wait; or " + rebind))
                    .orElse(Check.problem(
                            title,
                            "Pending: no storageClassName and no default StorageClass",
                            recommended == null
                                    ? rebind
                                    : rebind + " (or make " + recommended
                                            + " the default: kubectl annotate storageclass " + recommended + " "
                                            + Names.ANN_DEFAULT_CLASS + "=true)"));
        }
        if (cls.isEmpty()) {
            return Check.problem(
                    title,
                    "Pending: storageClassName \"\" turns dynamic provisioning off; it waits for a pre-made volume",
                    rebind);
        }
        StorageClass sc = classes.get(cls);
        if (sc == null) {
            return Check.problem(title, "Pending: StorageClass \"" + cls + "\" does not exist", rebind);
        }
        if (Names.NO_PROVISIONER.equals(sc.getProvisioner())) {
            return Check.problem(
                    title,
                    "Pending: class " + cls + " has no provisioner; it needs a pre-made PersistentVolume",
                    rebind);
        }
        // From here on, what the class's provisioner decides: the controller's own rules.
        switch (ClaimRules.judge(claim, sc, sc.getProvisioner())) {
            case ClaimVerdict.Wait w -> {
                return Check.warning(
                        title,
                        "Pending: " + w.reason(),
                        "create the Pod that uses it; the volume is made once the scheduler picks a node");
            }
            case ClaimVerdict.Reject r -> {
                return Check.problem(title, "Pending: " + r.reason(), "delete and re-create the claim without it");
            }
            case ClaimVerdict.NotOurs n -> {
                return Check.warning(title, "Pending: " + n.reason(), "kubectl describe pvc -n " + ns + " " + name);
            }
            case ClaimVerdict.Provision p -> {}
            case ClaimVerdict.Clone c -> {} // the copy's failures are Events, looked at below
            case ClaimVerdict.Restore r -> {}
        }
        Optional<Event> failed = lastFailure(claim);
        if (controllers.running(sc.getProvisioner()).isEmpty()) {
            return Check.problem(
                    title,
                    "Pending: no running controller for provisioner " + sc.getProvisioner() + " (class " + cls + ")",
                    "install or start it (helm install ... --set storageClass.provisionerName=" + sc.getProvisioner()
                            + "); kubectl get pods -A | grep nfsprov");
        }
        if (failed.isPresent()) {
            return Check.problem(
                    title,
                    "Pending: provisioning failed: " + failed.get().getMessage(),
                    "fix what the message says; nfsprov retries by itself with backoff");
        }
        return Check.warning(
                title,
                "Pending; its provisioner " + sc.getProvisioner() + " is running and has reported nothing yet",
                "wait a few seconds, then kubectl describe pvc -n " + ns + " " + name);
    }

    private Optional<Event> lastFailure(PersistentVolumeClaim claim) {
        return client.v1().events().inNamespace(claim.getMetadata().getNamespace()).list().getItems().stream()
                .filter(e -> claim.getMetadata()
                                .getUid()
                                .equals(e.getInvolvedObject().getUid())
                        && "ProvisioningFailed".equals(e.getReason()))
                .max(Comparator.comparing(e -> e.getLastTimestamp() == null ? "" : e.getLastTimestamp()));
    }

    private static String describe(KubernetesClientException e) {
        return ApiErrors.describeAny(e);
    }
}
