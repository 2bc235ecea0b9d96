package dev.nfsprov.controller;

import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.util.Map;

/**
 * What the reconcilers are given: the shares with their storage logic and where work on each runs, the
 * StorageClass cache, the client, events and metrics.
 */
record Wiring(
        String provisionerName,
        ShareCatalog shares,
        Map<String, ShareWork> works,
        Lister<StorageClass> storageClasses,
        KubernetesClient client,
        Events events,
        ProvisionMetrics metrics,
        ProvisionedBytes provisioned) {

    /** The share a volume is on, or why it is on none this controller serves. */
    ShareCatalog.Entry shareOf(PersistentVolume volume) throws ShareException {
        var nfs = volume.getSpec() == null ? null : volume.getSpec().getNfs();
        String server = nfs == null ? null : nfs.getServer(), path = nfs == null ? null : nfs.getPath();
        return shares.forVolume(server, path)
                .orElseThrow(() -> new ShareException("volume at " + server + ":" + path
                        + " is not on a share this controller serves (" + shares.describe()
                        + "); leaving its data alone"));
    }

    /** Where work on this share runs. */
    ShareWork work(ShareCatalog.Entry share) {
        return works.get(share.name());
    }
}
