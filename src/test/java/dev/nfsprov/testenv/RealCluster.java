package dev.nfsprov.testenv;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: the shared real control plane and NFS server, and a namespace of its own for each test
 * class. Test methods and constructors can take a {@link TestEnvironment} or a {@link TestNamespace}.
 */
public final class RealCluster implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(RealCluster.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        var env = TestEnvironment.get();
        String name =
                (context.getRequiredTestClass()
                                .getSimpleName()
                                .toLowerCase(Locale.ROOT)
                                .replaceAll("[^a-z0-9]", "") + "-" + COUNTER.incrementAndGet());
        env.client
                .namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .create();
        context.getStore(STORE).put("ns", new TestNamespace(name, env));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        var ns = context.getStore(STORE).get("ns", TestNamespace.class);
        if (ns != null) ns.env().client.namespaces().withName(ns.name()).delete();
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == TestEnvironment.class
                || p.getParameter().getType() == TestNamespace.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        if (p.getParameter().getType() == TestEnvironment.class) return TestEnvironment.get();
        var ns = e.getStore(STORE).get("ns", TestNamespace.class);
        if (ns == null) ns = e.getParent().orElseThrow().getStore(STORE).get("ns", TestNamespace.class);
        return ns;
    }

    public record TestNamespace(String name, TestEnvironment env) {}
}
