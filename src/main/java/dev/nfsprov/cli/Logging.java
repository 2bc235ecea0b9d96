package dev.nfsprov.cli;

import dev.nfsprov.logging.Fields;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per log record, as text or JSON; a stack trace only at --log-level debug. */
final class Logging {
    private Logging() {}

    static void configure(String format, String level) {
        LogManager.getLogManager().reset();
        Level threshold = switch (level) {
            case "debug" -> Level.FINE;
            case "warn" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> Level.INFO;
        };
        boolean json = "json".equals(format);
        boolean stacks = threshold.intValue() <= Level.FINE.intValue();
        var handler = new ConsoleHandler();
        handler.setLevel(threshold);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                Fields fields = Fields.in(r);
                String message = fields != null ? r.getMessage() : formatMessage(r);
                if (r.getThrown() != null) {
                    Throwable t = r.getThrown();
                    message += ": " + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
                    if (stacks) {
                        var sw = new StringWriter();
                        t.printStackTrace(new PrintWriter(sw));
                        message += "\n" + sw;
                    }
                }
                String logger = r.getLoggerName() == null
                        ? ""
                        : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
                var extra = new StringBuilder();
                if (json) {
                    if (fields != null)
                        fields.values()
                                .forEach((k, v) -> extra.append(",\"")
                                        .append(escape(k))
                                        .append("\":\"")
                                        .append(escape(v))
                                        .append('"'));
                    return "{\"time\":\"" + Instant.ofEpochMilli(r.getMillis()) + "\",\"level\":\""
                            + r.getLevel().getName() + "\",\"logger\":\"" + escape(logger) + "\",\"msg\":\""
                            + escape(message) + "\"" + extra + "}\n";
                }
                // Text stays one line: values are escaped, and quoted when they hold a space.
                if (fields != null)
                    fields.values().forEach((k, v) -> {
                        String e = escape(v);
                        extra.append(' ')
                                .append(k)
                                .append('=')
                                .append(e.isEmpty() || e.contains(" ") ? "\"" + e + "\"" : e);
                    });
                return Instant.ofEpochMilli(r.getMillis()) + " " + r.getLevel().getName() + " " + logger + ": "
                        + escape(message) + extra + "\n";
            }
        });
        Logger root = Logger.getLogger("");
        root.setLevel(threshold);
        root.addHandler(handler);
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }
}
