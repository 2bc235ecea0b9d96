package dev.nfsprov.pathtemplate;

/** A pattern or a rendered path that nfsprov refuses; the message is written for the claim's owner. */
public class InvalidPathException extends IllegalArgumentException {
    public InvalidPathException(String message) {
        super(message);
    }
}
