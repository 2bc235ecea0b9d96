package dev.nfsprov.controller;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** sig-storage-lib-external-provisioner's metric names, so existing dashboards and alerts keep working. */
final class ProvisionMetrics {

    private final Counter provisioned;
    private final Counter provisionFailed;
    private final Histogram provisionDuration;
    private final Counter deleted;
    private final Counter deleteFailed;
    private final Histogram deleteDuration;

    ProvisionMetrics(PrometheusRegistry registry) {
        provisioned = Counter.builder()
                .name("controller_persistentvolumeclaim_provision_total")
                .help("Number of persistent volumes successfully provisioned")
                .labelNames("class")
                .register(registry);
        provisionFailed = Counter.builder()
                .name("controller_persistentvolumeclaim_provision_failed_total")
                .help("Number of persistent volume provision failures")
                .labelNames("class")
                .register(registry);
        provisionDuration = Histogram.builder()
                .name("controller_persistentvolumeclaim_provision_duration_seconds")
                .help("Latency in seconds to provision persistent volumes")
                .labelNames("class")
                .register(registry);
        deleted = Counter.builder()
                .name("controller_persistentvolume_delete_total")
                .help("Number of persistent volumes successfully deleted")
                .labelNames("class")
                .register(registry);
        deleteFailed = Counter.builder()
                .name("controller_persistentvolume_delete_failed_total")
                .help("Number of persistent volume delete failures")
                .labelNames("class")
                .register(registry);
        deleteDuration = Histogram.builder()
                .name("controller_persistentvolume_delete_duration_seconds")
                .help("Latency in seconds to delete persistent volumes")
                .labelNames("class")
                .register(registry);
    }

    void provisioned(String storageClass, long startNanos) {
        provisioned.labelValues(storageClass).inc();
        provisionDuration.labelValues(storageClass).observe((System.nanoTime() - startNanos) / 1e9);
    }

    void provisionFailed(String storageClass) {
        provisionFailed.labelValues(storageClass).inc();
    }

    void deleted(String storageClass, long startNanos) {
        deleted.labelValues(storageClass).inc();
        deleteDuration.labelValues(storageClass).observe((System.nanoTime() - startNanos) / 1e9);
    }

    void deleteFailed(String storageClass) {
        deleteFailed.labelValues(storageClass).inc();
    }
}
