package mpo4j.hf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON text as Python's {@code json.dumps(obj, indent=2, sort_keys=True)} writes it, the format of
 * transformers' {@code config.json} and of the shard index: two-space indent, {@code ": "} after
 * keys, non-ASCII escaped, floats in Python's {@code repr} ({@code 1e-06}, {@code 1000000.0}).
 * Numbers read from a file keep their original text, so an unchanged file is written back unchanged.
 */
final class PythonJson {
    private PythonJson() {}

    /** {@code json.dumps(value, indent=2, sort_keys=sortKeys)} followed by a newline. */
    static String dumps(JsonElement value, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(out, value, sortKeys, "");
        return out.append('\n').toString();
    }

    /** Writes {@link #dumps} of {@code value} to {@code file} through a temporary sibling and a rename. */
    static void write(Path file, JsonElement value, boolean sortKeys) throws IOException {
        Path temp = SafetensorsWriter.temporary(file.toAbsolutePath().getParent(), file.getFileName().toString());
        try {
            Files.writeString(temp, dumps(value, sortKeys), StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void write(StringBuilder out, JsonElement value, boolean sortKeys, String indent) {
        if (value == null || value.isJsonNull()) {
            out.append("null");
        } else if (value.isJsonPrimitive()) {
            out.append(primitive(value.getAsJsonPrimitive()));
        } else if (value.isJsonArray()) {
            JsonArray array = value.getAsJsonArray();
            if (array.isEmpty()) {
                out.append("[]");
                return;
            }
            String inner = indent + "  ";
            out.append('[');
            for (int i = 0; i < array.size(); i++) {
                out.append(i == 0 ? "\n" : ",\n").append(inner);
                write(out, array.get(i), sortKeys, inner);
            }
            out.append('\n').append(indent).append(']');
        } else {
            JsonObject object = value.getAsJsonObject();
            if (object.size() == 0) {
                out.append("{}");
                return;
            }
            List<Map.Entry<String, JsonElement>> entries = new ArrayList<>(object.entrySet());
            if (sortKeys) {
                entries.sort(Map.Entry.comparingByKey());
            }
            String inner = indent + "  ";
            out.append('{');
            String separator = "\n";
            for (Map.Entry<String, JsonElement> e : entries) {
                out.append(separator).append(inner).append(JsonText.quote(e.getKey(), true)).append(": ");
                write(out, e.getValue(), sortKeys, inner);
                separator = ",\n";
            }
            out.append('\n').append(indent).append('}');
        }
    }

    private static String primitive(JsonPrimitive p) {
        if (p.isBoolean()) {
            return p.getAsBoolean() ? "true" : "false";
        }
        if (p.isString()) {
            return JsonText.quote(p.getAsString(), true);
        }
        Number n = p.getAsNumber();
        if (n instanceof Double d) {
            return pythonFloat(d);
        }
        if (n instanceof Float f) {
            return pythonFloat(Double.parseDouble(Float.toString(f)));
        }
        return n.toString(); // integers, and numbers parsed from text (Gson keeps their original spelling)
    }

    /** Python's {@code repr(float)}: shortest digits, scientific below 1e-4 and from 1e16. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - 1 - exact.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = exact.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    }
}
