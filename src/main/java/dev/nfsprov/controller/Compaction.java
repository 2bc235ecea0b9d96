package dev.nfsprov.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The form in which a claim or a volume of this provisioner is cached, the same object with less heap: no
 * metadata.managedFields (the controller never reads them); its repeated strings (annotation and label keys and
 * values, finalizers, namespaces, access modes, class names, sizes, phases) shared; and its empty per-object maps of
 * unknown fields (one in each fabric8 model object) replaced by one shared empty map. Of the ~6.5 KB each volume kept
 * (its claim and its PV), ~2 KB were copies of strings every watch event parses anew and ~0.7 KB empty maps
 * (docs/performance.md). {@link String#intern} holds strings weakly, so nothing is kept once no cached object uses
 * it, whatever tenants name; unique strings (names, uids, resource versions, paths) are left alone, interning them
 * would only add a table entry.
 */
final class Compaction {
    private Compaction() {}

    /** Compacts a claim or a volume in place; but for managedFields, its content (and equals) unchanged. */
    static void compact(HasMetadata object) {
        metadata(object.getMetadata());
        switch (object) {
            case PersistentVolumeClaim claim -> claim(claim);
            case PersistentVolume volume -> volume(volume);
            default -> {}
        }
    }

    private static void metadata(ObjectMeta m) {
        if (m == null) return;
        m.setManagedFields(List.of());
        lean(m.getAdditionalProperties(), m::setAdditionalProperties);
        m.setNamespace(of(m.getNamespace()));
        m.setAnnotations(of(m.getAnnotations()));
        m.setLabels(of(m.getLabels()));
        ofAll(m.getFinalizers());
    }

    private static void claim(PersistentVolumeClaim claim) {
        lean(claim.getAdditionalProperties(), claim::setAdditionalProperties);
        var spec = claim.getSpec();
        if (spec != null) {
            lean(spec.getAdditionalProperties(), spec::setAdditionalProperties);
            ofAll(spec.getAccessModes());
            spec.setStorageClassName(of(spec.getStorageClassName()));
            spec.setVolumeMode(of(spec.getVolumeMode()));
            var resources = spec.getResources();
            if (resources != null) {
                lean(resources.getAdditionalProperties(), resources::setAdditionalProperties);
                resources.setRequests(quantities(resources.getRequests()));
                resources.setLimits(quantities(resources.getLimits()));
            }
        }
        var status = claim.getStatus();
        if (status != null) {
            lean(status.getAdditionalProperties(), status::setAdditionalProperties);
            status.setPhase(of(status.getPhase()));
            ofAll(status.getAccessModes());
            status.setCapacity(quantities(status.getCapacity()));
        }
    }

    private static void volume(PersistentVolume volume) {
        lean(volume.getAdditionalProperties(), volume::setAdditionalProperties);
        var spec = volume.getSpec();
        if (spec != null) {
            lean(spec.getAdditionalProperties(), spec::setAdditionalProperties);
            ofAll(spec.getAccessModes());
            spec.setCapacity(quantities(spec.getCapacity()));
            spec.setStorageClassName(of(spec.getStorageClassName()));
            spec.setVolumeMode(of(spec.getVolumeMode()));
            spec.setPersistentVolumeReclaimPolicy(of(spec.getPersistentVolumeReclaimPolicy()));
            ofAll(spec.getMountOptions());
            var nfs = spec.getNfs();
            if (nfs != null) {
                lean(nfs.getAdditionalProperties(), nfs::setAdditionalProperties);
                nfs.setServer(of(nfs.getServer()));
            }
            ObjectReference ref = spec.getClaimRef();
            if (ref != null) {
                lean(ref.getAdditionalProperties(), ref::setAdditionalProperties);
                ref.setApiVersion(of(ref.getApiVersion()));
                ref.setKind(of(ref.getKind()));
                ref.setNamespace(of(ref.getNamespace()));
            }
        }
        var status = volume.getStatus();
        if (status != null) {
            lean(status.getAdditionalProperties(), status::setAdditionalProperties);
            status.setPhase(of(status.getPhase()));
        }
    }

    /** Nothing reads or adds unknown fields of a cached object; an empty map of them costs ~56 bytes each. */
    private static void lean(Map<String, Object> unknown, Consumer<Map<String, Object>> set) {
        if (unknown != null && unknown.isEmpty()) set.accept(Map.of());
    }

    private static String of(String s) {
        return s == null ? null : s.intern();
    }

    private static void ofAll(List<String> list) {
        if (list != null) list.replaceAll(Compaction::of);
    }

    private static Map<String, String> of(Map<String, String> map) {
        if (map == null || map.isEmpty()) return map;
        var shared = new LinkedHashMap<String, String>(map.size() * 4 / 3 + 1);
        map.forEach((k, v) -> shared.put(of(k), of(v)));
        return shared;
    }

    private static Map<String, Quantity> quantities(Map<String, Quantity> map) {
        if (map == null || map.isEmpty()) return map;
        var shared = new LinkedHashMap<String, Quantity>(map.size() * 4 / 3 + 1);
        map.forEach((k, q) -> {
            if (q != null) {
                lean(q.getAdditionalProperties(), q::setAdditionalProperties);
                q.setAmount(of(q.getAmount()));
                q.setFormat(of(q.getFormat()));
            }
            shared.put(of(k), q);
        });
        return shared;
    }
}
