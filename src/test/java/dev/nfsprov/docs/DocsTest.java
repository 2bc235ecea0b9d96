package dev.nfsprov.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs read against the code: every nfsprov flag a doc shows on an nfsprov command line is one the command line
 * takes, and every chart value a doc names in code is one values.yaml has. Drift found by hand (issue 32) is what
 * this keeps from coming back.
 */
class DocsTest {

    static final Path REPO = Path.of("").toAbsolutePath();

    static List<Path> docs() throws IOException {
        var out = new ArrayList<Path>();
        out.add(REPO.resolve("README.md"));
        out.add(REPO.resolve("deploy/helm/nfsprov/README.md"));
        try (Stream<Path> s = Files.list(REPO.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> !p.getFileName()
                            .toString()
                            .equals("kubeflow-onprem-nfs.md")) // the guide's draft, kept as it was
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }

    /** Every long option of the command line: picocli's names = "--x" and names = {"-x", "--x"} in the sources. */
    static Set<String> flags() throws IOException {
        var out = new TreeSet<String>();
        Pattern option = Pattern.compile("\"(--[a-z][a-z0-9-]*)\"");
        try (Stream<Path> s = Files.walk(REPO.resolve("src/main/java/dev/nfsprov/cli"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = option.matcher(Files.readString(p));
                while (m.find()) out.add(m.group(1));
            }
        }
        out.addAll(List.of("--help", "--version")); // picocli's standard help options
        return out;
    }

    /** The subcommands' names, from their @Command annotations. */
    static List<String> subcommands() throws IOException {
        var out = new TreeSet<String>();
        Pattern name = Pattern.compile("@Command\\(\\s*name = \"([a-z-]+)\"");
        try (Stream<Path> s = Files.walk(REPO.resolve("src/main/java/dev/nfsprov/cli"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = name.matcher(Files.readString(p));
                while (m.find()) if (!m.group(1).equals("nfsprov")) out.add(m.group(1));
            }
        }
        assertThat(out).contains("doctor", "rebind", "controller");
        return List.copyOf(out);
    }

    @Test
    void everyNfsprovFlagADocShowsExists() throws IOException {
        Set<String> known = flags();
        // a command line of nfsprov: "nfsprov SUBCOMMAND ..." (or bin/nfsprov, kubectl nfsprov) in a shell block or in
        // code, to the end of the line, the code span, a pipe, a comment or what another command follows with
        Pattern commandLine = Pattern.compile("(?:^|[`\\s$(])(?:bin/|kubectl )?nfsprov ((?:"
                + String.join("|", subcommands()) + ")\\b[^`\\n|#;()&]*)");
        Pattern flag = Pattern.compile("(?<![\\w-])(--[a-z][a-z0-9-]*)");
        var unknown = new TreeSet<String>();
        int checked = 0;
        for (Path doc : docs()) {
            Matcher line = commandLine.matcher(Files.readString(doc));
            while (line.find()) {
                Matcher f = flag.matcher(line.group(1));
                while (f.find())
                    if (++checked > 0 && !known.contains(f.group(1)))
                        unknown.add(REPO.relativize(doc) + ": " + f.group(1) + " in \"nfsprov "
                                + line.group(1).strip() + "\"");
            }
        }
        assertThat(checked)
                .as("flags found on nfsprov command lines in the docs")
                .isGreaterThan(50);
        assertThat(unknown).as("flags docs show that no nfsprov command takes").isEmpty();
    }

    @SuppressWarnings("unchecked")
    static void keys(String prefix, Object node, Set<String> out) {
        if (!(node instanceof Map<?, ?> map)) return;
        for (var e : ((Map<String, Object>) map).entrySet()) {
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            out.add(k);
            keys(k, e.getValue(), out);
        }
    }

    @Test
    void everyChartValueADocNamesExists() throws IOException {
        var values = new TreeSet<String>();
        keys(
                "",
                Serialization.unmarshal(Files.readString(REPO.resolve("deploy/helm/nfsprov/values.yaml")), Map.class),
                values);
        var tops = new TreeSet<String>();
        values.forEach(v -> tops.add(v.split("\\.")[0]));
        // `a.b.c` (optionally `=value` after it, as in --set) in code, whose first name is a top-level value
        Pattern code = Pattern.compile("`([a-zA-Z][a-zA-Z0-9]*(?:\\.[a-zA-Z][a-zA-Z0-9]*)+)(?:=[^`]*)?`");
        Pattern set = Pattern.compile("--set[= ]'?([a-zA-Z][a-zA-Z0-9]*(?:\\.[a-zA-Z][a-zA-Z0-9]*)+)(?:\\[\\d+])?");
        var unknown = new TreeSet<String>();
        var named = new TreeSet<String>();
        for (Path doc : docs()) {
            String text = Files.readString(doc);
            for (Pattern p : List.of(code, set)) {
                Matcher m = p.matcher(text);
                while (m.find()) {
                    String v = m.group(1);
                    if (!tops.contains(v.split("\\.")[0])) continue; // a Java name, a metric
                    if (v.matches(".*\\.(env|jsa|yaml|yml|json|md|sh|tar|jar|txt|log|conf|toml)")) continue; // a file
                    named.add(v);
                    if (values.contains(v) || anyUnder(values, v)) continue;
                    unknown.add(REPO.relativize(doc) + ": " + v);
                }
            }
        }
        assertThat(unknown)
                .as("chart values docs name that values.yaml does not have")
                .isEmpty();
    }

    /** A value below a map given empty in values.yaml ({} or null: labels, annotations, metricsFrom entries). */
    private static boolean anyUnder(Set<String> values, String v) {
        for (int i = v.lastIndexOf('.'); i > 0; i = v.lastIndexOf('.', i - 1)) {
            String parent = v.substring(0, i);
            if (values.contains(parent) && values.stream().noneMatch(k -> k.startsWith(parent + "."))) return true;
        }
        return false;
    }

    @Test
    void theReferenceListsEveryClassParameterNfsprovReads() throws IOException {
        String reference = Files.readString(REPO.resolve("docs/reference.md"));
        var listed = new TreeSet<String>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-zA-Z]+)` \\|")
                .matcher(reference.substring(
                        reference.indexOf("## StorageClass parameters"), reference.indexOf("## Metrics")));
        while (m.find()) listed.add(m.group(1));
        assertThat(listed).isEqualTo(new TreeSet<>(dev.nfsprov.provision.ClassParameters.KNOWN));
    }
}
