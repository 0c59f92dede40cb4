package mpo4j.hf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(obj, ensure_ascii=..., indent=..., sort_keys=...)}, byte for byte, so files and
 * prompts mpo4j writes match what transformers writes: {@code config.json} and shard indexes
 * ({@code indent=2, sort_keys=True}, non-ASCII escaped), a chat template's {@code tojson}
 * ({@code ensure_ascii=False}, keys in insertion order), and the string literals of safetensors headers.
 *
 * <p>Separators are {@code ", "} and {@code ": "} on one line, {@code ","} at line ends once {@code indent} is
 * set (Python's defaults for each case). Floats are written as Python's {@code repr} ({@code 1e-06},
 * {@code 1000000.0}, {@code 1e+16}, {@code NaN}, {@code Infinity}); a {@code Float} as the shortest decimal
 * of its float32 value (Python has no float32: {@code 0.1f} is written {@code 0.1}); other numbers by their
 * {@code toString}, so numbers Gson read from a file keep their spelling. Values are null, booleans,
 * numbers, strings, maps (keys that are strings, numbers, booleans or null, turned into strings as Python
 * does), collections, and Gson's {@link JsonElement}s.
 *
 * @param ensureAscii escape every character outside printable ASCII (DEL too) as <code>&#92;uXXXX</code> (Python's default, true)
 * @param indent      the text of one indentation level, or null for one line (Python's default)
 * @param sortKeys    write map keys in sorted order rather than insertion order (Python's default, false)
 */
public record PythonJson(boolean ensureAscii, String indent, boolean sortKeys) {

    /** {@code json.dumps}'s defaults: ASCII only, one line, keys in insertion order. */
    public static final PythonJson DEFAULTS = new PythonJson(true, null, false);

    /** The layout of transformers' {@code config.json}: {@code json.dumps(indent=2, sort_keys=True)}. */
    private static final PythonJson CONFIG_FILE = DEFAULTS.indent(2).sortKeys(true);

    /** A copy with {@code ensure_ascii} set. */
    public PythonJson ensureAscii(boolean on) { return new PythonJson(on, indent, sortKeys); }

    /** A copy that indents each level by {@code spaces} spaces (Python's {@code indent=n}; 0 or less: line breaks only). */
    public PythonJson indent(int spaces) { return new PythonJson(ensureAscii, " ".repeat(Math.max(0, spaces)), sortKeys); }

    /** A copy that indents each level by {@code unit} (Python's {@code indent="\t"}); null writes one line. */
    public PythonJson indent(String unit) { return new PythonJson(ensureAscii, unit, sortKeys); }

    /** A copy with {@code sort_keys} set. */
    public PythonJson sortKeys(boolean on) { return new PythonJson(ensureAscii, indent, on); }

    /**
     * {@code value} as JSON text, without a final newline.
     *
     * @throws IllegalArgumentException for a value or map key Python's json module cannot serialize
     */
    public String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    /**
     * {@code s} as a quoted JSON string: quote, backslash and control characters escaped as Python's json
     * (and serde_json) escape them, with {@code \b \f \n \r \t} short and the rest as lower-case
     * <code>&#92;u00XX</code>; with {@code ensureAscii} every other character above {@code ~} becomes <code>&#92;uXXXX</code>
     * too (a character outside the BMP as its two UTF-16 halves), without it the text stays as is.
     */
    public static String quote(String s, boolean ensureAscii) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        quote(out, s, ensureAscii);
        return out.toString();
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that read back as {@code d}, positional from
     * {@code 1e-4} up to {@code 1e16} (with {@code .0} when whole), scientific outside with a signed
     * two-digit-minimum exponent ({@code 1e-05}, {@code 1e+16}); {@code nan}, {@code inf}, {@code -inf}.
     */
    public static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = shortest(Math.abs(d));
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - 1 - exact.scale(); // |d| = digits[0].digits[1:] x 10^exponent
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = exact.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    }

    /**
     * The shortest decimal that reads back as {@code d} (positive, finite), the closest to {@code d} when several
     * are as short: the digits Python's {@code repr} (David Gay's algorithm) writes. Java 17's
     * {@code Double.toString} is not always shortest ({@code 4.9E-324} for 5e-324, 18 digits for some large
     * values, JDK-4511638), so the digits are searched: at each length only the two neighbours of {@code d}
     * can read back as it.
     */
    private static BigDecimal shortest(double d) {
        BigDecimal exact = new BigDecimal(d);
        // if some length reads back, every longer one does (its neighbours of d are closer): binary search
        int low = 1, high = 17; // 17 significant digits always read back
        BigDecimal best = closestThatReadsBack(exact, d, high);
        while (low < high) {
            int mid = (low + high) / 2;
            BigDecimal candidate = closestThatReadsBack(exact, d, mid);
            if (candidate == null) {
                low = mid + 1;
            } else {
                high = mid;
                best = candidate;
            }
        }
        return best.stripTrailingZeros();
    }

    /** Of {@code exact}'s two neighbours with {@code precision} digits, the closer one that reads back as {@code d}, or null. */
    private static BigDecimal closestThatReadsBack(BigDecimal exact, double d, int precision) {
        BigDecimal best = null;
        for (RoundingMode mode : new RoundingMode[] {RoundingMode.HALF_EVEN, RoundingMode.FLOOR, RoundingMode.CEILING}) {
            BigDecimal candidate = exact.round(new MathContext(precision, mode));
            if (candidate.doubleValue() == d && (best == null || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                best = candidate;
            }
        }
        return best;
    }

    /** {@code json.dumps(value, indent=2, sort_keys=True)} and a newline: the bytes transformers writes for config.json and shard indexes. */
    static String fileText(JsonElement value) {
        return CONFIG_FILE.dumps(value) + "\n";
    }

    /** Writes {@link #fileText} of {@code value} to {@code file} through a temporary sibling and a rename. */
    static void writeFile(Path file, JsonElement value) throws IOException {
        Path temp = SafetensorsWriter.temporary(file.toAbsolutePath().getParent(), file.getFileName().toString());
        try {
            Files.writeString(temp, fileText(value), StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void write(StringBuilder out, Object x, int depth) {
        if (x instanceof JsonPrimitive p) {
            x = p.isBoolean() ? p.getAsBoolean() : p.isString() ? p.getAsString() : p.getAsNumber();
        }
        if (x == null || x instanceof JsonElement e && e.isJsonNull()) {
            out.append("null");
        } else if (x instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (x instanceof Number n) {
            out.append(number(n));
        } else if (x instanceof CharSequence cs) {
            quote(out, cs.toString(), ensureAscii);
        } else if (x instanceof Map<?, ?> || x instanceof JsonObject) {
            List<Map.Entry<String, Object>> entries = entries(x);
            if (entries.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            for (int i = 0; i < entries.size(); i++) {
                separate(out, i, depth + 1);
                quote(out, entries.get(i).getKey(), ensureAscii);
                out.append(": ");
                write(out, entries.get(i).getValue(), depth + 1);
            }
            close(out, depth);
            out.append('}');
        } else if (x instanceof Collection<?> || x instanceof JsonArray) {
            Iterable<?> items = (Iterable<?>) x;
            if (!items.iterator().hasNext()) {
                out.append("[]");
                return;
            }
            out.append('[');
            int i = 0;
            for (Object item : items) {
                separate(out, i++, depth + 1);
                write(out, item, depth + 1);
            }
            close(out, depth);
            out.append(']');
        } else {
            throw new IllegalArgumentException("a " + x.getClass().getName() + " is not JSON serializable: " + x);
        }
    }

    /** A map's entries with their keys as json.dumps writes them, sorted when {@code sortKeys}. */
    private List<Map.Entry<String, Object>> entries(Object map) {
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        if (map instanceof JsonObject o) {
            o.entrySet().forEach(e -> entries.add(new SimpleImmutableEntry<>(e.getKey(), e.getValue())));
        } else {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) map).entrySet()) {
                entries.add(new SimpleImmutableEntry<>(key(e.getKey()), e.getValue()));
            }
        }
        if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey());
        }
        return entries;
    }

    /** json.dumps turns int, float, bool and None keys into strings; anything else is an error. */
    private static String key(Object k) {
        if (k instanceof CharSequence cs) {
            return cs.toString();
        }
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof Number n) {
            return number(n);
        }
        throw new IllegalArgumentException("keys must be str, int, float, bool or None, not " + k.getClass().getName());
    }

    private static String number(Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n instanceof Float f ? Double.parseDouble(Float.toString(f)) : n.doubleValue();
            if (Double.isNaN(d)) {
                return "NaN";
            }
            if (Double.isInfinite(d)) {
                return d > 0 ? "Infinity" : "-Infinity";
            }
            return floatRepr(d);
        }
        return n.toString(); // integers, and numbers Gson parsed from text (they keep their original spelling)
    }

    private void separate(StringBuilder out, int index, int depth) {
        if (index > 0) {
            out.append(indent == null ? ", " : ",");
        }
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void close(StringBuilder out, int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private static void quote(StringBuilder out, String s, boolean ensureAscii) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7E)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
