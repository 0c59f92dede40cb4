package mpo4j.hf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed, read-only access to a Hugging Face JSON config ({@code config.json},
 * {@code generation_config.json}, {@code tokenizer_config.json}, ...), with errors that name the file
 * and the field: {@code config.json: missing field 'hidden_size'},
 * {@code config.json: field 'rope_theta' must be a number, got "abc"}.
 *
 * <p>Nested configs (InternVL's {@code llm_config} and {@code vision_config}) are configs of their own
 * through {@link #section(String)}; their errors carry the path ({@code 'llm_config.hidden_size'}). A
 * JSON {@code null} counts as absent: required getters report it missing, getters with a fallback
 * return the fallback (Qwen2.5's {@code "sliding_window": null}).
 */
public final class HfConfig {
    private final String source;
    private final String prefix;
    private final JsonObject json;

    private HfConfig(String source, String prefix, JsonObject json) {
        this.source = source;
        this.prefix = prefix;
        this.json = json;
    }

    /**
     * Reads {@code file}; messages name it by its file name.
     *
     * @throws IOException when the file cannot be read, is not JSON or is not a JSON object
     */
    public static HfConfig read(Path file) throws IOException {
        return parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses {@code text}; {@code source} names it in messages.
     *
     * @throws IOException when {@code text} is not JSON or not a JSON object
     */
    public static HfConfig parse(String source, String text) throws IOException {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new IOException(source + ": not valid JSON (" + rootMessage(e) + ")", e);
        }
        if (!parsed.isJsonObject()) {
            throw new IOException(source + ": must be a JSON object, got " + abbreviate(parsed));
        }
        return new HfConfig(source, "", parsed.getAsJsonObject());
    }

    /** The file name used in messages. */
    public String source() {
        return source;
    }

    /** Whether {@code field} is present and not {@code null}. */
    public boolean has(String field) {
        JsonElement v = json.get(field);
        return v != null && !v.isJsonNull();
    }

    /** The fields present (including ones set to {@code null}), in file order. */
    public Set<String> fields() {
        return json.keySet();
    }

    /** A required integer field. */
    public int getInt(String field) {
        return integer(field, required(field), Integer.MIN_VALUE, Integer.MAX_VALUE).intValueExact();
    }

    /** An optional integer field. */
    public int getInt(String field, int fallback) {
        return has(field) ? getInt(field) : fallback;
    }

    /** A required integer field that may exceed the int range. */
    public long getLong(String field) {
        return integer(field, required(field), Long.MIN_VALUE, Long.MAX_VALUE).longValueExact();
    }

    /** An optional long field. */
    public long getLong(String field, long fallback) {
        return has(field) ? getLong(field) : fallback;
    }

    /** A required number field (integers are numbers too). */
    public double getDouble(String field) {
        JsonElement v = required(field);
        if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber())) {
            throw wrongType(field, "a number", v);
        }
        return v.getAsDouble();
    }

    /** An optional number field. */
    public double getDouble(String field, double fallback) {
        return has(field) ? getDouble(field) : fallback;
    }

    /** A required string field. */
    public String getString(String field) {
        JsonElement v = required(field);
        if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString())) {
            throw wrongType(field, "a string", v);
        }
        return v.getAsString();
    }

    /** An optional string field. */
    public String getString(String field, String fallback) {
        return has(field) ? getString(field) : fallback;
    }

    /** A required boolean field. */
    public boolean getBoolean(String field) {
        JsonElement v = required(field);
        if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean())) {
            throw wrongType(field, "true or false", v);
        }
        return v.getAsBoolean();
    }

    /** An optional boolean field. */
    public boolean getBoolean(String field, boolean fallback) {
        return has(field) ? getBoolean(field) : fallback;
    }

    /**
     * A required field holding an integer or a list of integers, as a list ({@code eos_token_id} is
     * either in transformers' files).
     */
    public List<Integer> getIntList(String field) {
        JsonElement v = required(field);
        List<Integer> out = new ArrayList<>();
        if (v.isJsonArray()) {
            JsonArray array = v.getAsJsonArray();
            for (int i = 0; i < array.size(); i++) {
                out.add(integer(field + "[" + i + "]", array.get(i), Integer.MIN_VALUE, Integer.MAX_VALUE).intValueExact());
            }
        } else {
            out.add(integer(field, v, Integer.MIN_VALUE, Integer.MAX_VALUE).intValueExact());
        }
        return List.copyOf(out);
    }

    /** A required list of strings ({@code architectures}). */
    public List<String> getStringList(String field) {
        JsonElement v = required(field);
        if (!v.isJsonArray()) {
            throw wrongType(field, "a list of strings", v);
        }
        List<String> out = new ArrayList<>();
        for (JsonElement e : v.getAsJsonArray()) {
            if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
                throw wrongType(field, "a list of strings", v);
            }
            out.add(e.getAsString());
        }
        return List.copyOf(out);
    }

    /** A required nested object ({@code llm_config}), as a config whose messages carry the path. */
    public HfConfig section(String field) {
        JsonElement v = required(field);
        if (!v.isJsonObject()) {
            throw wrongType(field, "an object", v);
        }
        return new HfConfig(source, prefix + field + ".", v.getAsJsonObject());
    }

    /** A copy with {@code field} set to {@code value} (a number keeps Python's spelling when written). */
    public HfConfig with(String field, Number value) {
        return with(field, new JsonPrimitive(value));
    }

    /** A copy with {@code field} set to {@code value}. */
    public HfConfig with(String field, String value) {
        return with(field, new JsonPrimitive(value));
    }

    /** A copy with {@code field} set to {@code value}. */
    public HfConfig with(String field, boolean value) {
        return with(field, new JsonPrimitive(value));
    }

    /** A copy with the nested object {@code field} replaced by {@code section}. */
    public HfConfig with(String field, HfConfig section) {
        return with(field, section.json);
    }

    /** A copy without {@code field}. */
    public HfConfig without(String field) {
        JsonObject copy = json.deepCopy();
        copy.remove(field);
        return new HfConfig(source, prefix, copy);
    }

    private HfConfig with(String field, JsonElement value) {
        JsonObject copy = json.deepCopy();
        copy.add(field, value.deepCopy());
        return new HfConfig(source, prefix, copy);
    }

    /**
     * The text transformers writes for a config: {@code json.dumps(config, indent=2, sort_keys=True)}
     * and a newline. Numbers read from a file keep their spelling, so reading and writing a
     * transformers config gives the same bytes.
     */
    public String toJsonString() {
        return PythonJson.fileText(json);
    }

    /** Writes {@link #toJsonString()} to {@code file} through a temporary sibling and a rename. */
    public void write(Path file) throws IOException {
        PythonJson.writeFile(file, json);
    }

    /** A copy of the whole object, for fields this class has no getter for. */
    public JsonObject json() {
        return json.deepCopy();
    }

    @Override
    public String toString() {
        return toJsonString();
    }

    private JsonElement required(String field) {
        JsonElement v = json.get(field);
        if (v == null || v.isJsonNull()) {
            throw new IllegalArgumentException(source + ": missing field '" + prefix + field + "'"
                    + (v == null ? "" : " (it is null)"));
        }
        return v;
    }

    private BigDecimal integer(String field, JsonElement v, long min, long max) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            BigDecimal value;
            try {
                value = v.getAsBigDecimal();
            } catch (NumberFormatException e) {
                throw wrongType(field, "an integer", v);
            }
            if (value.stripTrailingZeros().scale() <= 0 && value.compareTo(BigDecimal.valueOf(min)) >= 0
                    && value.compareTo(BigDecimal.valueOf(max)) <= 0) {
                return value;
            }
        }
        throw wrongType(field, max == Integer.MAX_VALUE ? "an integer" : "a 64-bit integer", v);
    }

    private IllegalArgumentException wrongType(String field, String expected, JsonElement got) {
        return new IllegalArgumentException(source + ": field '" + prefix + field + "' must be " + expected + ", got " + abbreviate(got));
    }

    private static String abbreviate(JsonElement v) {
        String text = v instanceof JsonPrimitive p && p.isString() ? PythonJson.quote(p.getAsString(), false) : v.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
