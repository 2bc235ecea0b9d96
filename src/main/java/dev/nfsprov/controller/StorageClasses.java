package dev.nfsprov.controller;

import io.fabric8.kubernetes.api.model.storage.StorageClass;

/** Facts about StorageClasses shared by the commands. */
public final class StorageClasses {
    private StorageClasses() {}

    /** Marked default by the GA or the old beta annotation, as the DefaultStorageClass admission plugin reads them. */
    public static boolean isDefault(StorageClass c) {
        var a = c.getMetadata().getAnnotations();
        return a != null && ("true".equals(a.get("storageclass.kubernetes.io/is-default-class"))
                || "true".equals(a.get("storageclass.beta.kubernetes.io/is-default-class")));
    }
}
