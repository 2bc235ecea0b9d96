package dev.nfsprov.pathtemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The StorageClass {@code pathPattern}, with nfs-subdir-external-provisioner's syntax:
 * {@code ${.PVC.namespace}}, {@code ${.PVC.name}}, {@code ${.PVC.labels.KEY}}, {@code ${.PVC.annotations.KEY}}
 * and {@code ${.PV.name}}. A template is parsed once; rendering then only substitutes and validates.
 */
public final class PathTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    /** The layout nfs-subdir uses when a class has no pathPattern. */
    public static final PathTemplate DEFAULT = parse("${.PVC.namespace}-${.PVC.name}-${.PV.name}");

    private sealed interface Part permits Literal, Field {}

    private record Literal(String text) implements Part {}

    private record Field(Kind kind, String key) implements Part {}

    private enum Kind {
        NAMESPACE,
        NAME,
        LABEL,
        ANNOTATION,
        PV_NAME
    }

    private final String source;
    private final List<Part> parts;

    private PathTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
    }

    /**
     * Parses a pattern; a placeholder it does not know is an error, so typos are caught before any directory exists.
     */
    public static PathTemplate parse(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new InvalidPathException("pathPattern is empty");
        }
        List<Part> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(pattern);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) parts.add(new Literal(pattern.substring(last, m.start())));
            parts.add(field(m.group(1).strip(), pattern));
            last = m.end();
        }
        String tail = pattern.substring(last);
        if (tail.contains("${")) {
            throw new InvalidPathException("pathPattern " + quote(pattern) + " has an unclosed ${");
        }
        if (!tail.isEmpty()) parts.add(new Literal(tail));
        return new PathTemplate(pattern, parts);
    }

    private static Field field(String expr, String pattern) {
        switch (expr) {
            case ".PVC.namespace":
                return new Field(Kind.NAMESPACE, null);
            case ".PVC.name":
                return new Field(Kind.NAME, null);
            case ".PV.name":
                return new Field(Kind.PV_NAME, null);
            default:
        }
        if (expr.startsWith(".PVC.labels.") && expr.length() > ".PVC.labels.".length()) {
            return new Field(Kind.LABEL, expr.substring(".PVC.labels.".length()));
        }
        if (expr.startsWith(".PVC.annotations.") && expr.length() > ".PVC.annotations.".length()) {
            return new Field(Kind.ANNOTATION, expr.substring(".PVC.annotations.".length()));
        }
        throw new InvalidPathException("pathPattern " + quote(pattern) + " has an unknown placeholder ${" + expr
                + "}; use ${.PVC.namespace}, ${.PVC.name}, ${.PVC.labels.KEY}, ${.PVC.annotations.KEY} or ${.PV.name}");
    }

    /**
     * Renders the directory path, relative to the share, for one claim. The result is checked by
     * {@link RelativePath#of}: it can never be empty, absolute, or step outside the share.
     */
    public RelativePath render(ClaimFacts claim) {
        return render(claim, true);
    }

    /**
     * As {@link #render(ClaimFacts)}; unless {@code nestedValues}, a label or annotation value with a "/" is refused:
     * it would let a claim choose a sub-folder, e.g. inside another tenant's volume under a nested pattern.
     */
    public RelativePath render(ClaimFacts claim, boolean nestedValues) {
        StringBuilder out = new StringBuilder();
        Field nesting = null;
        for (Part part : parts) {
            switch (part) {
                case Literal l -> out.append(l.text());
                case Field f -> {
                    String v = value(f, claim);
                    if ((f.kind() == Kind.LABEL || f.kind() == Kind.ANNOTATION) && v.contains("/")) nesting = f;
                    out.append(v);
                }
            }
        }
        RelativePath path = RelativePath.of(out.toString(), source); // a path that leaves the share says so first
        if (nesting != null && !nestedValues) {
            throw new InvalidPathException("the claim's " + (nesting.kind() == Kind.LABEL ? "label " : "annotation ")
                    + quote(nesting.key()) + " has a \"/\", which would make a sub-folder; the StorageClass "
                    + "allows that with nestedValues: \"true\"");
        }
        return path;
    }

    private static String present(String value, String what, String key) {
        if (value == null) {
            throw new InvalidPathException(
                    "the claim has no " + what + " " + quote(key) + ", which the StorageClass's pathPattern uses");
        }
        return value;
    }

    private static String value(Field f, ClaimFacts claim) {
        return switch (f.kind()) {
            case NAMESPACE -> claim.namespace();
            case NAME -> claim.name();
            case PV_NAME -> claim.volumeName();
            // Missing is an error, not "": every unlabelled claim would otherwise share one directory.
            case LABEL -> present(claim.labels().get(f.key()), "label", f.key());
            case ANNOTATION -> present(claim.annotations().get(f.key()), "annotation", f.key());
        };
    }

    /** Whether the pattern names the volume (${.PV.name}): each claim, even re-created, then gets a new directory. */
    public boolean namesVolume() {
        return parts.stream().anyMatch(p -> p instanceof Field f && f.kind() == Kind.PV_NAME);
    }

    /** Directory levels a rendered path has, when no value adds its own "/" (nestedValues). */
    public int levels() {
        int n = 1;
        for (Part p : parts)
            if (p instanceof Literal l)
                n += (int) l.text().chars().filter(c -> c == '/').count();
        return n;
    }

    @Override
    public String toString() {
        return source;
    }

    static String quote(String s) {
        return "\"" + s.replace("\u0000", "\\0") + "\"";
    }
}
