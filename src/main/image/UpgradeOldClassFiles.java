import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URI;
import java.net.URLClassLoader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Rewrites the class files of a jar that are older than Java 6 (major version below 50) as Java 8 class files with
 * stack maps, so that the class-data archive can hold them. picocli is compiled for Java 5: no archive takes such
 * classes, and every command parsed and verified its ~180 classes at start (docs/performance.md). The code is
 * re-emitted instruction for instruction; only the version and the stack maps the newer verifier needs are new, and
 * the JVM verifies the result when the archive is dumped. Run by scripts/build-image-layout with Java 25:
 * {@code java src/main/image/UpgradeOldClassFiles.java JAR}.
 */
public class UpgradeOldClassFiles {
    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        try (var zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of());
                var jarLoader = new URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null)) {
            // Merging types at branch targets needs the class hierarchy: the JDK's, and the jar's own classes.
            var hierarchy = ClassHierarchyResolver.defaultResolver()
                    .orElse(ClassHierarchyResolver.ofResourceParsing(jarLoader));
            var classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(hierarchy));
            var upgrade = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                    .andThen((builder, element) -> {
                        if (element instanceof ClassFileVersion) builder.withVersion(ClassFile.JAVA_8_VERSION, 0);
                        else builder.with(element);
                    });
            List<Path> classes;
            try (var walk = Files.walk(zip.getPath("/"))) {
                classes = walk.filter(p -> p.toString().endsWith(".class")).toList();
            }
            int upgraded = 0;
            for (Path p : classes) {
                byte[] bytes = Files.readAllBytes(p);
                int major = (bytes[6] & 0xff) << 8 | (bytes[7] & 0xff);
                if (major >= ClassFile.JAVA_6_VERSION) continue;
                Files.write(p, classFile.transformClass(classFile.parse(bytes), upgrade));
                upgraded++;
            }
            System.out.println(upgraded + " class files older than Java 6 rewritten as Java 8");
        }
    }
}
