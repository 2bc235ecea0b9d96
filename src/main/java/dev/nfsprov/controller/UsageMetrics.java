package dev.nfsprov.controller;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/**
 * Usage of each volume and of the share, named after the kubelet's kubelet_volume_stats_* (the same namespace and
 * persistentvolumeclaim labels) so that dashboards built on those can be pointed at these.
 */
final class UsageMetrics {

    static final List<String> VOLUME_LABELS =
            List.of("namespace", "persistentvolumeclaim", "persistentvolume", "storageclass");

    private final Gauge used;
    private final Gauge capacity;
    private final Gauge files;
    private final Gauge scanned;
    private final Gauge shareSize;
    private final Gauge shareAvailable;
    private final Gauge shareProvisioned;
    private final Gauge passSeconds;
    private final Counter entries;
    private final Counter passes;
    private final Counter archivesDeleted;
    private final Gauge archives;
    private final Gauge archiveBytes;

    UsageMetrics(PrometheusRegistry registry) {
        String[] labels = VOLUME_LABELS.toArray(String[]::new);
        used = Gauge.builder()
                .name("nfsprov_volume_used_bytes")
                .help("Bytes allocated in the volume's directory (st_blocks, as du), at its last scan")
                .labelNames(labels)
                .register(registry);
        capacity = Gauge.builder()
                .name("nfsprov_volume_capacity_bytes")
                .help("The volume's capacity: its claim's request (NFS does not enforce it)")
                .labelNames(labels)
                .register(registry);
        files = Gauge.builder()
                .name("nfsprov_volume_files")
                .help("Entries (files, directories, links) in the volume's directory, at its last scan")
                .labelNames(labels)
                .register(registry);
        scanned = Gauge.builder()
                .name("nfsprov_volume_scan_timestamp_seconds")
                .help("When the volume was last measured, in seconds since the epoch")
                .labelNames(labels)
                .register(registry);
        shareSize = Gauge.builder()
                .name("nfsprov_share_size_bytes")
                .help("The share's size (statvfs of the controller's mount)")
                .labelNames("share")
                .register(registry);
        shareAvailable = Gauge.builder()
                .name("nfsprov_share_available_bytes")
                .help("Bytes available on the share to the controller (statvfs)")
                .labelNames("share")
                .register(registry);
        shareProvisioned = Gauge.builder()
                .name("nfsprov_share_provisioned_bytes")
                .help("Sum of the capacities (requests) of this provisioner's volumes on the share")
                .labelNames("share")
                .register(registry);
        passSeconds = Gauge.builder()
                .name("nfsprov_usage_scan_duration_seconds")
                .help("How long the last full pass over every volume took")
                .register(registry);
        entries = Counter.builder()
                .name("nfsprov_usage_scan_entries_total")
                .help("Entries read by usage scans")
                .register(registry);
        passes = Counter.builder()
                .name("nfsprov_usage_scans_total")
                .help("Full passes over every volume")
                .register(registry);
        archivesDeleted = Counter.builder()
                .name("nfsprov_archives_deleted_total")
                .help("Archives deleted by their class's archiveRetention or archiveMaxBytes")
                .labelNames("storageclass")
                .register(registry);
        archives = Gauge.builder()
                .name("nfsprov_archives")
                .help("Archives on the share, as the last retention pass found them")
                .labelNames("share")
                .register(registry);
        archiveBytes = Gauge.builder()
                .name("nfsprov_archive_bytes")
                .help("Bytes the share's archives hold (du), as the last retention pass found them")
                .labelNames("share")
                .register(registry);
    }

    void volume(List<String> labels, long usedBytes, long capacityBytes, long fileCount, long scannedMillis) {
        String[] l = labels.toArray(String[]::new);
        used.labelValues(l).set(usedBytes);
        capacity.labelValues(l).set(capacityBytes);
        files.labelValues(l).set(fileCount);
        scanned.labelValues(l).set(scannedMillis / 1000.0);
        entries.inc(fileCount + 1);
    }

    /** A volume that is gone: its series go too. */
    void forget(List<String> labels) {
        String[] l = labels.toArray(String[]::new);
        used.remove(l);
        capacity.remove(l);
        files.remove(l);
        scanned.remove(l);
    }

    void share(String share, long size, long available, long provisioned) {
        shareSize.labelValues(share).set(size);
        shareAvailable.labelValues(share).set(available);
        shareProvisioned.labelValues(share).set(provisioned);
    }

    void archives(String share, int count, long bytes) {
        archives.labelValues(share).set(count);
        archiveBytes.labelValues(share).set(bytes);
    }

    void archiveDeleted(String storageClass) {
        archivesDeleted.labelValues(storageClass).inc();
    }

    void pass(double seconds) {
        passSeconds.set(seconds);
        passes.inc();
    }
}
