package dev.nfsprov.doctor;

/** One line of the checklist: how it went, what was seen, and for anything not ok, how to fix it. */
public record Check(Status status, String title, String detail, String fix) {

    public enum Status {
        OK("✓"),
        WARNING("!"),
        PROBLEM("✗"),
        UNKNOWN("?");

        final String mark;

        Status(String mark) {
            this.mark = mark;
        }
    }

    public static Check ok(String title, String detail) {
        return new Check(Status.OK, title, detail, null);
    }

    public static Check warning(String title, String detail, String fix) {
        return new Check(Status.WARNING, title, detail, fix);
    }

    public static Check problem(String title, String detail, String fix) {
        return new Check(Status.PROBLEM, title, detail, fix);
    }

    public static Check unknown(String title, String detail) {
        return new Check(Status.UNKNOWN, title, detail, null);
    }
}
