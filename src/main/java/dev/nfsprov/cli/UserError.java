package dev.nfsprov.cli;

/** A problem the user can fix (configuration, flags): printed as one line, with an exit code. */
public class UserError extends RuntimeException {
    private final int exitCode;

    public UserError(String message) {
        this(message, ExitCode.REFUSED);
    }

    public UserError(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** The API server could not be reached or refused: exit 3, in one line of words. */
    static UserError api(String doing, io.fabric8.kubernetes.client.KubernetesClientException e) {
        return new UserError(doing + ": " + dev.nfsprov.protocol.ApiErrors.describeAny(e), ExitCode.API);
    }

    public int exitCode() {
        return exitCode;
    }
}
