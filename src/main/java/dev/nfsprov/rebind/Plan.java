package dev.nfsprov.rebind;

import java.util.Set;

/**
 * What rebind does with one claim, decided from plain facts: which claims are stuck because of their class,
 * and which must never be touched.
 */
public final class Plan {
    private Plan() {}

    /** A claim as rebind sees it; storageClassName null means unset, "" means "no dynamic provisioning". */
    public record ClaimView(
            String namespace,
            String name,
            String uid,
            String resourceVersion,
            String phase,
            String volumeName,
            String storageClassName,
            boolean deleting,
            boolean namespaceDeleting) {}

    public enum Action {
        SKIP,
        WAIT_FOR_DEFAULT,
        RECREATE
    }

    public record Decision(ClaimView claim, Action action, String why) {}

    /** As below, for a target that is the cluster's default class. */
    public static Decision decide(ClaimView c, Set<String> existingClasses, String target, boolean named) {
        return decide(c, existingClasses, target, true, named);
    }

    /**
     * named: the claim was named on the command line, which a claim that may be waiting on purpose needs.
     * targetIsDefault: the target is the cluster's default class, which the PV controller gives a claim without a
     * class by itself; otherwise such a claim is re-created with the target (with no default, it would wait forever).
     */
    public static Decision decide(
            ClaimView c, Set<String> existingClasses, String target, boolean targetIsDefault, boolean named) {
        if (c.deleting()) return new Decision(c, Action.SKIP, "being deleted");
        if (c.namespaceDeleting()) return new Decision(c, Action.SKIP, "its namespace is being deleted");
        if ("Bound".equals(c.phase())) return new Decision(c, Action.SKIP, "Bound");
        if (c.volumeName() != null && !c.volumeName().isEmpty()) {
            return new Decision(c, Action.SKIP, "names volume " + c.volumeName() + " (bound or being bound)");
        }
        if (c.phase() != null && !"Pending".equals(c.phase()))
            return new Decision(c, Action.SKIP, "phase " + c.phase());
        String cls = c.storageClassName();
        if (cls == null) {
            if (targetIsDefault)
                return new Decision(
                        c,
                        Action.WAIT_FOR_DEFAULT,
                        "no storageClassName: the PV controller assigns the default class itself (Kubernetes >= 1.28)");
            return new Decision(c, Action.RECREATE, "no storageClassName, and " + target + " is not the default class");
        }
        if (cls.isEmpty()) {
            if (!named) {
                return new Decision(
                        c,
                        Action.SKIP,
                        "storageClassName \"\" may be waiting for a pre-made PersistentVolume on purpose; name the claim"
                                + " to re-create it with " + target);
            }
            return new Decision(c, Action.RECREATE, "storageClassName \"\" turns dynamic provisioning off");
        }
        if (!existingClasses.contains(cls))
            return new Decision(c, Action.RECREATE, "StorageClass \"" + cls + "\" does not exist");
        if (cls.equals(target))
            return new Decision(c, Action.SKIP, "already uses " + target + "; ask nfsprov doctor why it is Pending");
        return new Decision(c, Action.RECREATE, "uses StorageClass \"" + cls + "\", not " + target);
    }
}
