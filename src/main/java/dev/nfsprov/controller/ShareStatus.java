package dev.nfsprov.controller;

import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.usage.ShareFigures;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Records the shares' figures of each usage pass in a ConfigMap beside the Lease ({@link Names#statusName}), one
 * key per share, so that doctor can say what the shares and their archives hold without mounting them. Applied
 * server-side: one PATCH. The chart makes the ConfigMap, so its Role grants patch of that name only (an apply that
 * would create it needs create, which cannot be limited to a name).
 */
final class ShareStatus implements Consumer<List<ShareFigures>> {

    private static final Logger LOG = Logger.getLogger(ShareStatus.class.getName());

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private volatile String lastProblem;

    ShareStatus(KubernetesClient client, String namespace, String provisionerName) {
        this.client = client;
        this.namespace = namespace;
        this.name = Names.statusName(provisionerName);
    }

    @Override
    public void accept(List<ShareFigures> figures) {
        if (figures.isEmpty()) return;
        Map<String, String> data = new TreeMap<>();
        for (var f : figures) data.put(f.name(), f.toJson());
        try {
            client.configMaps()
                    .resource(new ConfigMapBuilder()
                            .withNewMetadata()
                            .withNamespace(namespace)
                            .withName(name)
                            .addToLabels("app.kubernetes.io/managed-by", "nfsprov")
                            .endMetadata()
                            .withData(data)
                            .build())
                    .fieldManager("nfsprov")
                    .forceConflicts()
                    .serverSideApply();
            lastProblem = null;
        } catch (KubernetesClientException e) {
            String problem = ApiErrors.describe(e);
            if (!problem.equals(lastProblem))
                LOG.warning("the shares' figures are not recorded for doctor (ConfigMap " + namespace + "/" + name
                        + "): " + problem);
            lastProblem = problem;
        }
    }
}
