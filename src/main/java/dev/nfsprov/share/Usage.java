package dev.nfsprov.share;

/**
 * What a volume directory holds: bytes allocated (st_blocks × 512, hard links once, as du), entries below it, and
 * whether some of it could not be read (a permission refused, a tree beyond the walk's bounds): then at least this.
 */
public record Usage(long bytes, long files, boolean partial) {}
