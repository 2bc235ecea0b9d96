package dev.nfsprov.controller;

import dev.nfsprov.provision.VolumeService;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Lister;

/** What both reconcilers are given: the storage logic, the StorageClass cache, the client, events and metrics. */
record Wiring(
        String provisionerName,
        VolumeService volumes,
        Lister<StorageClass> storageClasses,
        KubernetesClient client,
        Events events,
        ProvisionMetrics metrics,
        ShareWork shareWork,
        ProvisionedBytes provisioned) {}
