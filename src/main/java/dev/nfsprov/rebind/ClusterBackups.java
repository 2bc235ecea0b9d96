package dev.nfsprov.rebind;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The originals as ConfigMaps in each claim's own namespace, one per claim, labelled with the run: they outlive the
 * machine or Pod rebind ran in, and `rebind --restore-run RUN` reads them back. A run's ConfigMaps say
 * in-progress until it has finished; the next run in the same scope resumes the newest such run.
 */
public final class ClusterBackups implements Backups {

    public static final String RUN = "nfsprov.dev/rebind-run";
    static final String STATE = "nfsprov.dev/rebind-state";
    static final String IN_PROGRESS = "in-progress";
    static final String DONE = "done";

    private final KubernetesClient client;
    private final String run;
    private final String namespace;

    /** namespace: the scope rebind works in; null for every namespace. */
    public ClusterBackups(KubernetesClient client, String run, String namespace) {
        this.client = client;
        this.run = run;
        this.namespace = namespace;
    }

    public String run() {
        return run;
    }

    /** The newest run in the scope that has not finished, if any: the run to resume. */
    public static Optional<String> unfinishedRun(KubernetesClient client, String namespace) {
        return list(client, namespace, STATE + "=" + IN_PROGRESS).stream()
                .map(c -> c.getMetadata().getLabels().get(RUN))
                .max(Comparator.naturalOrder());
    }

    @Override
    public boolean unfinished() {
        return !list(client, namespace, RUN + "=" + run + "," + STATE + "=" + IN_PROGRESS)
                .isEmpty();
    }

    @Override
    public List<PersistentVolumeClaim> originals() {
        return list(client, namespace, RUN + "=" + run).stream()
                .map(c -> Serialization.unmarshal(c.getData().get("claim.yaml"), PersistentVolumeClaim.class))
                .sorted(Comparator.comparing(
                                (PersistentVolumeClaim c) -> c.getMetadata().getNamespace())
                        .thenComparing(c -> c.getMetadata().getName()))
                .toList();
    }

    @Override
    public void save(PersistentVolumeClaim original) {
        var m = original.getMetadata();
        var map = new ConfigMapBuilder()
                .withNewMetadata()
                .withNamespace(m.getNamespace())
                // the uid: unique for the original, whatever its name (up to 253 characters) is
                .withName("nfsprov-rebind-" + run + "-" + m.getUid())
                .addToLabels(RUN, run)
                .addToLabels(STATE, IN_PROGRESS)
                .addToAnnotations("nfsprov.dev/claim", m.getName())
                .endMetadata()
                // the original only (restore derives what it applies): a ConfigMap holds at most 1 MiB
                .addToData("claim.yaml", Serialization.asYaml(original))
                .build();
        try {
            client.configMaps().resource(map).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) throw e; // saved by an earlier attempt of this run: the same original
        }
    }

    @Override
    public void finish() {
        for (ConfigMap c : list(client, namespace, RUN + "=" + run + "," + STATE + "=" + IN_PROGRESS)) {
            client.configMaps()
                    .inNamespace(c.getMetadata().getNamespace())
                    .withName(c.getMetadata().getName())
                    .edit(e -> new ConfigMapBuilder(e)
                            .editMetadata()
                            .addToLabels(STATE, DONE)
                            .endMetadata()
                            .build());
        }
    }

    @Override
    public String where() {
        return "ConfigMaps labelled " + RUN + "=" + run
                + (namespace == null ? " (kubectl get cm -A -l " : " (kubectl get cm -n " + namespace + " -l ")
                + RUN + "=" + run + ")";
    }

    private static List<ConfigMap> list(KubernetesClient client, String namespace, String selector) {
        var labels = new java.util.HashMap<String, String>();
        for (String kv : selector.split(","))
            labels.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        return namespace == null
                ? client.configMaps().inAnyNamespace().withLabels(labels).list().getItems()
                : client.configMaps()
                        .inNamespace(namespace)
                        .withLabels(labels)
                        .list()
                        .getItems();
    }
}
