package dev.nfsprov.pathtemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathTemplateTest {

    private static ClaimFacts claim(Map<String, String> labels, Map<String, String> annotations) {
        return new ClaimFacts("kubeflow", "mysql-pv-claim", labels, annotations, "pvc-1234");
    }

    @Test
    void defaultPatternIsNfsSubdirLayout() {
        assertThat(PathTemplate.DEFAULT.render(claim(Map.of(), Map.of())).toString())
                .isEqualTo("kubeflow-mysql-pv-claim-pvc-1234");
    }

    @Test
    void rendersEveryPlaceholderAndSubFolders() {
        var t = PathTemplate.parse(
                "${.PVC.namespace}/${.PVC.labels.app}/${.PVC.annotations.team}-${.PVC.name}/${.PV.name}");
        var path = t.render(claim(Map.of("app", "katib"), Map.of("team", "ml")));
        assertThat(path.segments()).containsExactly("kubeflow", "katib", "ml-mysql-pv-claim", "pvc-1234");
        assertThat(path.leaf()).isEqualTo("pvc-1234");
    }

    @Test
    void unknownPlaceholderIsRefusedAtParse() {
        assertThatThrownBy(() -> PathTemplate.parse("${.PVC.uid}"))
                .isInstanceOf(InvalidPathException.class)
                .hasMessageContaining("unknown placeholder ${.PVC.uid}");
        assertThatThrownBy(() -> PathTemplate.parse("a/${.PVC.name"))
                .isInstanceOf(InvalidPathException.class)
                .hasMessageContaining("unclosed");
        assertThatThrownBy(() -> PathTemplate.parse(" ")).isInstanceOf(InvalidPathException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "..",
                "../etc",
                "a/../../b",
                ".",
                "/etc",
                "%2e%2e",
                "%2E%2e/x",
                "a%2fb",
                "\uFF0E\uFF0E",
                "a\u0000b",
                "a//b",
                "a/",
                "line\nbreak"
            })
    void traversalInAnAnnotationIsRefused(String value) {
        var t = PathTemplate.parse("${.PVC.annotations.dir}");
        assertThatThrownBy(() -> t.render(claim(Map.of(), Map.of("dir", value))))
                .isInstanceOf(InvalidPathException.class)
                .hasMessageContaining("directory path");
    }

    @Test
    void emptyOrMissingLabelIsRefusedNotCollapsed() {
        var t = PathTemplate.parse("${.PVC.labels.team}/${.PVC.name}");
        // Missing is an error of its own: rendered as "" every unlabelled claim would share one directory.
        assertThatThrownBy(() -> t.render(claim(Map.of(), Map.of())))
                .hasMessage("the claim has no label \"team\", which the StorageClass's pathPattern uses");
        var u = PathTemplate.parse("x/${.PVC.labels.team}/${.PVC.name}");
        assertThatThrownBy(() -> u.render(claim(Map.of("team", ""), Map.of()))).hasMessageContaining("empty segment");
        assertThatThrownBy(() -> PathTemplate.parse("${.PVC.labels.team}").render(claim(Map.of("team", ""), Map.of())))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> PathTemplate.parse("${.PVC.annotations.dir}").render(claim(Map.of(), Map.of())))
                .hasMessage("the claim has no annotation \"dir\", which the StorageClass's pathPattern uses");
    }

    @Test
    void tooLongSegmentsAndPathsAreRefused() {
        var t = PathTemplate.parse("${.PVC.annotations.dir}");
        assertThatThrownBy(() -> t.render(claim(Map.of(), Map.of("dir", "x".repeat(256)))))
                .hasMessageContaining("255 bytes");
        String longPath = ("y".repeat(200) + "/").repeat(25) + "z";
        assertThatThrownBy(() -> t.render(claim(Map.of(), Map.of("dir", longPath))))
                .hasMessageContaining("4095 bytes");
        assertThat(t.render(claim(Map.of(), Map.of("dir", "x".repeat(255)))).leaf())
                .hasSize(255);
    }

    @Test
    void unicodeNamesThatAreNotDotsAreKept() {
        var t = PathTemplate.parse("${.PVC.annotations.dir}");
        assertThat(t.render(claim(Map.of(), Map.of("dir", "données/équipe-α"))).segments())
                .containsExactly("données", "équipe-α");
        assertThat(t.render(claim(Map.of(), Map.of("dir", "..."))).toString()).isEqualTo("...");
        assertThatThrownBy(() -> t.render(claim(Map.of(), Map.of("dir", "bad\uD800"))))
                .hasMessageContaining("unicode");
    }

    @Test
    void literalTraversalInThePatternIsRefusedToo() {
        assertThatThrownBy(() -> PathTemplate.parse("../${.PVC.name}").render(claim(Map.of(), Map.of())))
                .hasMessageContaining("\"..\"")
                .hasMessageContaining("pathPattern");
    }
}
