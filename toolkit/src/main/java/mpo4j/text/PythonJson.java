package mpo4j.text;

import java.util.Collection;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)}, the {@code tojson} filter
 * transformers installs for chat templates: {@code ", "} and {@code ": "} separators (only {@code ","}
 * between items once {@code indent} is set), keys in insertion order, non-ASCII text kept as is.
 */
final class PythonJson {
    private PythonJson() {}

    /** @param indent {@code null} for one line, else the spaces per level (Python also takes a string) */
    static String dumps(Object x, Object indent) {
        String unit = indent == null ? null
                : indent instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : indent.toString();
        StringBuilder sb = new StringBuilder();
        write(sb, x, unit, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object x, String unit, int depth) {
        if (x == null) sb.append("null");
        else if (x instanceof Boolean b) sb.append(b ? "true" : "false");
        else if (x instanceof Double || x instanceof Float) {
            double d = ((Number) x).doubleValue();
            sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : PythonStrings.floatRepr(d));
        } else if (x instanceof Number n) sb.append(n);
        else if (x instanceof CharSequence cs) string(sb, cs.toString());
        else if (x instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                separate(sb, first, unit, depth + 1);
                first = false;
                string(sb, key(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), unit, depth + 1);
            }
            close(sb, unit, depth);
            sb.append('}');
        } else if (x instanceof Collection<?> c) {
            if (c.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                separate(sb, first, unit, depth + 1);
                first = false;
                write(sb, o, unit, depth + 1);
            }
            close(sb, unit, depth);
            sb.append(']');
        } else {
            throw new IllegalArgumentException("tojson: a " + x.getClass().getName() + " is not JSON serializable: " + x);
        }
    }

    /** json.dumps turns int, float, bool and None keys into strings; anything else is an error. */
    private static String key(Object k) {
        if (k instanceof CharSequence cs) return cs.toString();
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (k instanceof Number) return PythonStrings.repr(k);
        throw new IllegalArgumentException("tojson: keys must be str, int, float, bool or None, not " + k.getClass().getName());
    }

    private static void separate(StringBuilder sb, boolean first, String unit, int depth) {
        if (!first) sb.append(unit == null ? ", " : ",");
        if (unit != null) sb.append('\n').append(unit.repeat(depth));
    }

    private static void close(StringBuilder sb, String unit, int depth) {
        if (unit != null) sb.append('\n').append(unit.repeat(depth));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
