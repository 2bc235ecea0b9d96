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
        int workers,
        UsageScanner.Settings usage) {

    /** The usage scan's settings, for the command line: interval (0 = off), entries a second, walkers, thresholds. */
    public static UsageScanner.Settings usage(
            java.time.Duration interval, double rate, int workers, java.util.List<Integer> thresholds) {
        return new UsageScanner.Settings(interval, rate, workers, thresholds);
    }
}
