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
            new String[] {"", "persistentvolumeclaims", "watch"},
            new String[] {"", "persistentvolumeclaims/status", "patch"},
            new String[] {"", "persistentvolumes", "get"},
            new String[] {"", "persistentvolumes", "watch"},
            new String[] {"", "persistentvolumes", "create"},
            new String[] {"", "persistentvolumes", "delete"},
            new String[] {"", "persistentvolumes", "patch"},
            new String[] {"storage.k8s.io", "storageclasses", "watch"},
            new String[] {"", "events", "create"},
            new String[] {"", "pods", "watch"});

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
        if (defaults.size() == 1) report.add(Check.ok("default StorageClass", defaults.getFirst()));
        else if (defaults.isEmpty())
            report.add(Check.problem(
                    "default StorageClass",
                    "none: claims without storageClassName (as Kubeflow creates them) stay Pending",
                    "kubectl annotate storageclass nfs " + Names.ANN_DEFAULT_CLASS + "=true (or "
                            + "helm --set storageClass.defaultClass=true)"));
        else
            report.add(Check.problem(
                    "default StorageClass",
                    defaults.size() + " defaults " + defaults + ": which one a new claim gets is not what you chose",
                    "keep one: kubectl annotate storageclass NAME " + Names.ANN_DEFAULT_CLASS + "-"));
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
                VolumeService.knownParameters(p);
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
        String rebind = "nfsprov rebind -n " + ns + " " + name + " --apply";
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
                            "make the nfsprov class the default (helm --set storageClass.defaultClass=true), or "
                                    + rebind + " --storage-class nfs"));
        }
        if (cls.isEmpty()) {
            return Check.problem(
                    title,
                    "Pending: storageClassName \"\" turns dynamic provisioning off; it waits for a pre-made volume",
                    rebind);
        }
        StorageClass sc = classes.get(cls);
        if (sc == null) {
            return Check.problem(
                    title,
                    "Pending: StorageClass \"" + cls + "\" does not exist",
                    rebind + " (to move it to the default class)");
        }
        if (Names.NO_PROVISIONER.equals(sc.getProvisioner())) {
            return Check.problem(
                    title,
                    "Pending: class " + cls + " has no provisioner; it needs a pre-made PersistentVolume",
                    rebind + " --storage-class NFS-CLASS");
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
