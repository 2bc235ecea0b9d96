package dev.nfsprov.controller;

import dev.nfsprov.provision.ShareMount;
import dev.nfsprov.share.DirectorySettings;
import java.util.List;

/** The controller's configuration, already validated by the command line. */
public record ProvisionerSettings(
        String provisionerName,
        List<ShareMount> shares,
        DirectorySettings directoryDefaults,
        boolean leaderElection,
        String leaseNamespace,
        String identity,
        String metricsAddress,
        String probeAddress,
        int workers,
        UsageScanner.Settings usage) {

    /** The usage scan's settings, for the command line: interval (0 = off), entries a second, walkers, thresholds. */
    public static UsageScanner.Settings usage(
            java.time.Duration interval,
            double rate,
            int workers,
            long maxEntries,
            java.util.List<Integer> thresholds) {
        return new UsageScanner.Settings(interval, rate, workers, maxEntries, thresholds);
    }
}
