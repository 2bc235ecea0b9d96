package dev.nfsprov.testenv;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The image's file layout (scripts/build-image-layout: launcher, jar, class-data archive, jlinked Java), built once per test JVM. */
public final class ImageLayout {
    private static Path built;

    private ImageLayout() {}

    public static synchronized Path get() {
        if (built == null) {
            Path out = TestEnvironment.REPO.resolve("target/image-test");
            Commands.runOrFail(
                    Map.of(),
                    List.of(
                            TestEnvironment.REPO
                                    .resolve("scripts/build-image-layout")
                                    .toString(),
                            out.toString()),
                    "scripts/build-image-layout failed");
            built = out;
        }
        return built;
    }
}
