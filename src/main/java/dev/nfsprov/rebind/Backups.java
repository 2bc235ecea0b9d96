package dev.nfsprov.rebind;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** Where rebind keeps the originals of the claims it deletes, durably, before it deletes them. */
public interface Backups {

    /** A run that has not finished: the next run resumes it. */
    boolean unfinished() throws IOException;

    List<PersistentVolumeClaim> originals() throws IOException;

    /** Durable when it returns; saving the same claim again is harmless. */
    void save(PersistentVolumeClaim original) throws IOException;

    void finish() throws IOException;

    /** Where they are, in words a person can follow ("./nfsprov-rebind-...", "ConfigMaps labelled ..."). */
    String where();

    /**
     * In the cluster and in a directory: the cluster's copy must be written (a `kubectl run --rm` Pod's files
     * vanish with it; the image's working directory is not writable), the directory's is kept when it can be.
     */
    static Backups both(ClusterBackups cluster, BackupDir dir, PrintWriter progress) {
        return new Backups() {
            private boolean dirFailed;
            private boolean clusterFailed;

            @Override
            public boolean unfinished() throws IOException {
                return cluster.unfinished() || dir.unfinished();
            }

            @Override
            public List<PersistentVolumeClaim> originals() throws IOException {
                var byUid = new LinkedHashMap<String, PersistentVolumeClaim>();
                for (var c : cluster.originals()) byUid.put(c.getMetadata().getUid(), c);
                for (var c : dir.originals()) byUid.putIfAbsent(c.getMetadata().getUid(), c);
                return new ArrayList<>(byUid.values());
            }

            @Override
            public void save(PersistentVolumeClaim original) throws IOException {
                boolean inCluster = false;
                if (!clusterFailed) {
                    try {
                        cluster.save(original);
                        inCluster = true;
                    } catch (KubernetesClientException e) {
                        if (e.getCode() == 403) {
                            clusterFailed = true; // not allowed to create ConfigMaps: the directory must do
                            progress.println("  no copy of the originals in the cluster (creating ConfigMaps is"
                                    + " forbidden); they are kept in " + dir.path() + " only");
                        } else if (e.getCode() == 413 || e.getCode() == 422) {
                            // a claim's labels can make it larger than a ConfigMap may be: this one, locally only
                            progress.println("  " + original.getMetadata().getNamespace() + "/"
                                    + original.getMetadata().getName() + ": too large for a ConfigMap; its original"
                                    + " is kept in " + dir.path() + " only");
                        } else throw e;
                    }
                }
                if (dirFailed) {
                    if (!inCluster) throw new IOException("no copy of the original could be kept anywhere");
                    return;
                }
                try {
                    dir.save(original);
                } catch (IOException e) {
                    if (!inCluster) throw e;
                    dirFailed = true;
                    progress.println("  no local copy of the originals (" + dir.path() + ": " + e.getMessage()
                            + "); they are kept in " + cluster.where());
                }
            }

            @Override
            public void finish() throws IOException {
                if (!clusterFailed) cluster.finish();
                if (!dirFailed && Files.isDirectory(dir.path())) dir.finish();
            }

            @Override
            public String where() {
                if (dirFailed || !Files.isDirectory(dir.path())) return cluster.where();
                return clusterFailed ? dir.path().toString() : dir.path() + " and in " + cluster.where();
            }
        };
    }
}
