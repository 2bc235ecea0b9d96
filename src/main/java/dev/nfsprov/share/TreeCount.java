package dev.nfsprov.share;

import java.util.List;

/**
 * What a tree holds, as {@link Share#copyTree} copies and counts it: directories (its root not counted), regular
 * files, links, the files' bytes (every name's size), and what was left out (sockets, fifos, devices: the first
 * hundred named).
 */
public record TreeCount(long directories, long files, long links, long bytes, long skipped, List<String> skippedNames) {

    public String describe() {
        return files + " files, " + directories + " directories, " + links + " links, " + bytes + " bytes";
    }

    /** The same directories, files, links and bytes: what was not copied aside. */
    public boolean sameAs(TreeCount other) {
        return directories == other.directories && files == other.files && links == other.links && bytes == other.bytes;
    }
}
