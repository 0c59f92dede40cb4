package mpo4j.data;

import com.google.gson.JsonElement;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as the plain Java values Python's {@code json.loads} gives a chat template: maps in key order,
 * lists, strings, booleans, null, and numbers that stay integers ({@code Long}, or {@code BigInteger}
 * beyond 64 bits) unless written with a dot or an exponent ({@code Double}). Maps and lists are
 * unmodifiable, so a value read from a file can be shared.
 */
public final class JsonValues {
    private JsonValues() {}

    /** The Java value of {@code e} (null for JSON null). */
    public static Object toJava(JsonElement e) {
        if (e == null || e.isJsonNull()) return null;
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(x -> m.put(x.getKey(), toJava(x.getValue())));
            return Collections.unmodifiableMap(m);
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(toJava(x)));
            return Collections.unmodifiableList(l);
        }
        var p = e.getAsJsonPrimitive();
        if (p.isBoolean()) return p.getAsBoolean();
        if (p.isString()) return p.getAsString();
        String number = p.getAsString();
        if (number.contains(".") || number.contains("e") || number.contains("E")) return Double.parseDouble(number);
        BigInteger big = new BigInteger(number);
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    /** A JSON object as an unmodifiable, ordered map. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(JsonElement e) {
        if (e == null || !e.isJsonObject()) {
            throw new IllegalArgumentException("expected a JSON object, got " + e);
        }
        return (Map<String, Object>) toJava(e);
    }
}
