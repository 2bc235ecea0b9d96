package dev.nfsprov.pathtemplate;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.List;

/**
 * A directory path inside the share, as '/'-separated segments, each a real name: never empty, ".", "..",
 * or anything that decodes or normalises to one of those. Every constructor checks; {@link #of} says why in words.
 */
public record RelativePath(List<String> segments) {

    /** Linux NAME_MAX and PATH_MAX, in bytes. */
    static final int MAX_SEGMENT_BYTES = 255;

    static final int MAX_PATH_BYTES = 4095;

    public RelativePath {
        segments = List.copyOf(segments);
        String why = problem(String.join("/", segments));
        if (why != null)
            throw new InvalidPathException(
                    "directory path " + PathTemplate.quote(String.join("/", segments)) + " " + why);
    }

    public static RelativePath of(String path) {
        return of(path, null);
    }

    static RelativePath of(String path, String pattern) {
        String why = problem(path);
        if (why != null) {
            String from = pattern == null ? "" : " (rendered from pathPattern " + PathTemplate.quote(pattern) + ")";
            throw new InvalidPathException("directory path " + PathTemplate.quote(path) + from + " " + why);
        }
        return new RelativePath(Arrays.asList(path.split("/")));
    }

    private static String problem(String path) {
        if (path.isEmpty()) return "is empty";
        if (path.startsWith("/")) return "is absolute; it must be relative to the share";
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES)
            return "is longer than " + MAX_PATH_BYTES + " bytes";
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == 0) return "contains a NUL character";
            if (c < 0x20 || c == 0x7f) return "contains a control character";
            if (Character.isSurrogate(c) && !validSurrogate(path, i)) return "contains invalid unicode";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) return "has an empty segment (an empty label or annotation value?)";
            if (isDots(segment)
                    || isDots(decoded(segment))
                    || isDots(Normalizer.normalize(segment, Normalizer.Form.NFKC))) {
                return "has a \".\" or \"..\" segment, which could leave the share";
            }
            if (decoded(segment).contains("/") || decoded(segment).contains("\\")) {
                return "has an encoded path separator in segment " + PathTemplate.quote(segment);
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "has a segment longer than " + MAX_SEGMENT_BYTES + " bytes";
            }
        }
        return null;
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static boolean isDots(String s) {
        return s.equals(".") || s.equals("..");
    }

    /** Percent-decoding, so "%2e%2e" is seen for what a careless tool downstream might turn it into. */
    private static String decoded(String segment) {
        if (segment.indexOf('%') < 0) return segment;
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notEncoded) {
            return segment;
        }
    }

    /** The path with its last segment replaced by name: a directory beside this one. */
    public RelativePath sibling(String name) {
        var s = new java.util.ArrayList<>(segments);
        s.set(s.size() - 1, name);
        return new RelativePath(s);
    }

    /** A directory inside this one. */
    public RelativePath child(String name) {
        var s = new java.util.ArrayList<>(segments);
        s.add(name);
        return new RelativePath(s);
    }

    /** The last segment: the volume directory's own name. */
    public String leaf() {
        return segments.getLast();
    }

    @Override
    public String toString() {
        return String.join("/", segments);
    }
}
