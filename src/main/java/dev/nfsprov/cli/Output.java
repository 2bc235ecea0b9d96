package dev.nfsprov.cli;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import picocli.CommandLine;

/** -o of every command that has one: text for people, json or yaml (the same fields) for scripts. */
enum Output {
    TEXT,
    JSON,
    YAML;

    static final String DESCRIPTION = "text (default), json or yaml";

    boolean text() {
        return this == TEXT;
    }

    /** Prints data as json or yaml; never called for text, which each command lays out itself. */
    void print(PrintWriter out, Object data) {
        if (this == JSON) out.println(Serialization.asJson(data));
        else out.print(Serialization.asYaml(data));
        out.flush();
    }

    static final class Converter implements CommandLine.ITypeConverter<Output> {
        @Override
        public Output convert(String value) {
            return switch (value.strip().toLowerCase()) {
                case "text", "table" -> TEXT; // rebind called it table once
                case "json" -> JSON;
                case "yaml" -> YAML;
                default ->
                    throw new CommandLine.TypeConversionException(
                            "-o must be text, json or yaml, not \"" + value + "\"");
            };
        }
    }
}
