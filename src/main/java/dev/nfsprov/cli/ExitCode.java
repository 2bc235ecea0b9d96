package dev.nfsprov.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The exit codes of every command, one table: printed by --help and in docs/reference.md. */
final class ExitCode {
    private ExitCode() {}

    static final int OK = 0;
    /** The command ran but not everything is well: doctor's warnings, claims rebind left unbound, a controller that cannot start. */
    static final int NOT_ALL_WELL = 1;
    /** Refused before doing anything: a flag, the kubeconfig, a namespace or an input is wrong; doctor: problems. */
    static final int REFUSED = 2;
    /** The API server could not be reached or refused a request; doctor: it could not check. */
    static final int API = 3;
    /** A bug: the message is all there is; NFSPROV_DEBUG=1 adds the stack trace. */
    static final int INTERNAL = 70;

    static Map<String, String> table() {
        var t = new LinkedHashMap<String, String>();
        t.put(String.valueOf(OK), "done; doctor: nothing wrong");
        t.put(
                " " + NOT_ALL_WELL,
                "done, not all well: doctor found warnings, rebind left claims unbound, the controller"
                        + " could not start");
        t.put(
                " " + REFUSED,
                "refused: a flag, the kubeconfig, a namespace or an input is wrong; doctor: problems found");
        t.put(
                " " + API,
                "the Kubernetes API server could not be reached or refused a request; doctor: could not" + " check");
        t.put(
                String.valueOf(INTERNAL),
                "internal error (a bug: please report it; NFSPROV_DEBUG=1 prints the stack trace)");
        return t;
    }
}
