package dev.nfsprov.doctor;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The checklist, printed as text or JSON, and its exit code: 0 ok, 1 warnings only, 2 problems, 3 could not check. */
public final class Report {
    private final List<Check> checks = new ArrayList<>();

    public void add(Check c) {
        checks.add(c);
    }

    public int exitCode() {
        if (checks.stream().anyMatch(c -> c.status() == Check.Status.PROBLEM)) return 2;
        if (checks.stream().anyMatch(c -> c.status() == Check.Status.UNKNOWN)) return 3;
        if (checks.stream().anyMatch(c -> c.status() == Check.Status.WARNING)) return 1;
        return 0;
    }

    public void printText(PrintWriter out) {
        for (Check c : checks) {
            out.println(c.status().mark + " " + c.title()
                    + (c.detail() == null || c.detail().isEmpty() ? "" : ": " + c.detail()));
            if (c.fix() != null) out.println("    fix: " + c.fix());
        }
        long problems =
                checks.stream().filter(c -> c.status() == Check.Status.PROBLEM).count();
        long warnings =
                checks.stream().filter(c -> c.status() == Check.Status.WARNING).count();
        long unknown =
                checks.stream().filter(c -> c.status() == Check.Status.UNKNOWN).count();
        out.println();
        out.println(problems + " problem(s), " + warnings + " warning(s), " + unknown + " not checked");
        out.flush();
    }

    /** What -o json and -o yaml print. */
    public Map<String, Object> data() {
        return Map.of("checks", checks, "exitCode", exitCode());
    }
}
