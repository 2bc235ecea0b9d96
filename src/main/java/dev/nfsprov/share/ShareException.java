package dev.nfsprov.share;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.ReadOnlyFileSystemException;

/** A share operation that failed; the message says what happened in words, for an Event or a terminal. */
public class ShareException extends Exception {
    public ShareException(String message) {
        super(message);
    }

    public ShareException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A short cause such as "permission denied" or "no space left on device", without a class name. */
    public static String describe(Throwable e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException n) return "no such file or directory: " + n.getFile();
        if (e instanceof ReadOnlyFileSystemException) return "read-only file system";
        if (e instanceof FileSystemException f && f.getReason() != null)
            return f.getReason().toLowerCase();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
