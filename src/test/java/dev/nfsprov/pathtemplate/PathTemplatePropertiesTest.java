package dev.nfsprov.pathtemplate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * 100 000 random claims — names, namespaces, labels and annotations full of "..", "/", NUL, unicode and very
 * long values — never render a path outside the share; and the default pattern never gives two claims one path.
 */
class PathTemplatePropertiesTest {

    static final Path SHARE = Path.of("/persistentvolumes");
    static final PathTemplate HOSTILE = PathTemplate.parse(
            "${.PVC.annotations.a}/${.PVC.labels.l}-${.PVC.name}/${.PVC.namespace}${.PVC.annotations.b}");

    @Provide
    Arbitrary<String> nasty() {
        Arbitrary<String> pieces = Arbitraries.of(
                "..",
                ".",
                "/",
                "//",
                "\u0000",
                "%2e%2e",
                "%2F",
                "\uFF0E\uFF0E",
                "\u2024\u2024",
                "\\",
                "~",
                "a",
                "données",
                "\uD83D\uDE00",
                "\n",
                "x".repeat(300),
                "");
        return Combinators.combine(
                        pieces.list().ofMaxSize(6), Arbitraries.strings().ofMaxLength(20))
                .as((list, random) -> String.join("", list) + random);
    }

    @Provide
    Arbitrary<ClaimFacts> claims() {
        return Combinators.combine(nasty(), nasty(), nasty(), nasty(), nasty())
                .as((ns, name, label, a, b) ->
                        new ClaimFacts(ns, name, Map.of("l", label), Map.of("a", a, "b", b), "pvc-1"));
    }

    @Property(tries = 100_000)
    void neverLeavesTheShare(@ForAll("claims") ClaimFacts claim) {
        RelativePath path;
        try {
            path = HOSTILE.render(claim);
        } catch (InvalidPathException refused) {
            return; // refused is fine; what matters is what is accepted
        }
        Path resolved = SHARE.resolve(path.toString()).normalize();
        assertThat(resolved.startsWith(SHARE)).as(path.toString()).isTrue();
        assertThat(resolved).isNotEqualTo(SHARE);
        assertThat(path.segments())
                .noneMatch(
                        s -> s.isEmpty() || s.equals(".") || s.equals("..") || s.contains("/") || s.contains("\u0000"));
    }

    @Provide
    Arbitrary<String> dnsLabel() {
        return Arbitraries.strings()
                .withChars("abcdefghijklmnopqrstuvwxyz0123456789-")
                .ofMinLength(1)
                .ofMaxLength(63)
                .filter(s -> !s.startsWith("-") && !s.endsWith("-"));
    }

    @Property(tries = 100_000)
    void defaultPatternNeverCollides(
            @ForAll("dnsLabel") String ns1,
            @ForAll("dnsLabel") String name1,
            @ForAll("dnsLabel") String ns2,
            @ForAll("dnsLabel") String name2) {
        // PV names are pvc-<claim uid>, unique per claim; different claims differ in namespace/name or uid
        var a = PathTemplate.DEFAULT.render(
                new ClaimFacts(ns1, name1, Map.of(), Map.of(), "pvc-11111111-1111-1111-1111-111111111111"));
        var b = PathTemplate.DEFAULT.render(
                new ClaimFacts(ns2, name2, Map.of(), Map.of(), "pvc-22222222-2222-2222-2222-222222222222"));
        assertThat(a).isNotEqualTo(b);
        if (!ns1.equals(ns2) || !name1.equals(name2)) {
            var c = PathTemplate.DEFAULT.render(
                    new ClaimFacts(ns2, name2, Map.of(), Map.of(), "pvc-11111111-1111-1111-1111-111111111111"));
            // same uid cannot happen for two claims, but even then distinct namespace/name split at the last '-pvc-'
            // differ
            assertThat(a.toString().equals(c.toString())).isEqualTo((ns1 + "-" + name1).equals(ns2 + "-" + name2));
        }
    }
}
