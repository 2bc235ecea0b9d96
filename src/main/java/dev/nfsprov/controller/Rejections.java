package dev.nfsprov.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last rejection said for each object, so the same reason is posted as an Event once and not on every look.
 * Bounded (least recently used first out): a flood of bad claims costs a fixed amount of memory, at worst a repeated
 * Event.
 */
final class Rejections {
    private static final int MAX = 10_000;
    private final Map<String, String> last = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX;
        }
    };

    /** True, and remembered, when this reason differs from the last one said for the object. */
    synchronized boolean isNew(HasMetadata object, String reason) {
        return !reason.equals(last.put(object.getMetadata().getUid(), reason));
    }

    /** The same for a key of the caller's choosing (an object and one of several things said about it). */
    synchronized boolean isNew(String key, String reason) {
        return !reason.equals(last.put(key, reason));
    }

    synchronized void forget(HasMetadata object) {
        last.remove(object.getMetadata().getUid());
    }
}
