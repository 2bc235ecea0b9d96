package dev.nfsprov.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Named values of a log line (claim, volume, storageClass, reason...), carried as the record's only parameter: the
 * JSON format writes each as its own field, the text format appends them as key=value, so they can be searched for.
 */
public record Fields(Map<String, String> values) {

    /** Fields from alternating names and values; a null value is left out. */
    public static Fields of(String... namesAndValues) {
        var m = new LinkedHashMap<String, String>();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) m.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return new Fields(m);
    }

    public void log(Logger logger, Level level, String message) {
        if (!logger.isLoggable(level)) return;
        var r = new LogRecord(level, message);
        r.setLoggerName(logger.getName());
        r.setParameters(new Object[] {this});
        logger.log(r);
    }

    /** The fields of a record, if it carries them. */
    public static Fields in(LogRecord r) {
        return r.getParameters() != null && r.getParameters().length == 1 && r.getParameters()[0] instanceof Fields f
                ? f
                : null;
    }
}
