package dev.nfsprov.controller;

import dev.nfsprov.provision.ShareLocation;
import dev.nfsprov.share.DirectorySettings;
import java.nio.file.Path;

/** The controller's configuration, already validated by the command line. */
public record ProvisionerSettings(
        String provisionerName,
        ShareLocation share,
        Path mountPath,
        DirectorySettings directoryDefaults,
        boolean leaderElection,
        String leaseNamespace,
        String identity,
        String metricsAddress,
        int workers) {}
