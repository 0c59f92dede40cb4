package mpo4j.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.util.ArrayList;
import java.util.List;

/** One parsed JSONL record plus where it came from, with typed accessors whose errors name the field. */
final class JsonLine {
    final Source source;
    final JsonObject json;

    private JsonLine(Source source, JsonObject json) {
        this.source = source;
        this.json = json;
    }

    static JsonLine parse(Source source, String text) {
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1); // a UTF-8 byte-order mark some editors write at the start of a file
        }
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (JsonParseException ex) {
            String why = ex.getCause() != null && ex.getCause().getMessage() != null ? ex.getCause().getMessage() : ex.getMessage();
            // Gson appends advice meant for programmers; keep only where it failed
            why = why.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON ", "");
            int nl = why.indexOf('\n');
            if (nl >= 0) why = why.substring(0, nl);
            int cr = text.indexOf('\r');
            if (cr >= 0) {
                // a bare CR (a trailing one is stripped with the line end): Mac-style line ends make the file one long line
                throw new DatasetException(source, null, "malformed JSON (" + why + "); the line holds a carriage return (\\r) without a"
                        + " line feed at column " + (cr + 1) + ": the file seems to use CR-only line endings; JSONL lines must end with"
                        + " \\n or \\r\\n", ex);
            }
            throw new DatasetException(source, null, "malformed JSON (" + why + ")", ex);
        }
        if (!e.isJsonObject()) {
            throw new DatasetException(source, null, "expected a JSON object, found " + kind(e));
        }
        return new JsonLine(source, e.getAsJsonObject());
    }

    boolean has(String field) {
        return json.has(field) && !json.get(field).isJsonNull();
    }

    /** A required string field. */
    String string(String field) {
        JsonElement e = require(field);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw error(field, "expected a string, found " + kind(e));
        }
        return e.getAsString();
    }

    /** An optional string field ({@code null} when absent or JSON null). */
    String optString(String field) {
        return has(field) ? string(field) : null;
    }

    /** A field that may hold one string or a list of strings (e.g. {@code image}); empty when absent. */
    List<String> strings(String field) {
        if (!has(field)) {
            return List.of();
        }
        JsonElement e = json.get(field);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return List.of(e.getAsString());
        }
        if (!e.isJsonArray()) {
            throw error(field, "expected a string or a list of strings, found " + kind(e));
        }
        List<String> out = new ArrayList<>();
        for (JsonElement item : e.getAsJsonArray()) {
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                throw error(field, "expected a list of strings, found an element of type " + kind(item));
            }
            out.add(item.getAsString());
        }
        return out;
    }

    JsonElement require(String field) {
        if (!has(field)) {
            throw error(field, "missing");
        }
        return json.get(field);
    }

    JsonArray array(String field) {
        JsonElement e = require(field);
        if (!e.isJsonArray()) {
            throw error(field, "expected a list, found " + kind(e));
        }
        return e.getAsJsonArray();
    }

    DatasetException error(String field, String problem) {
        return new DatasetException(source, field, problem);
    }

    static String kind(JsonElement e) {
        if (e == null || e.isJsonNull()) return "null";
        if (e.isJsonObject()) return "an object";
        if (e.isJsonArray()) return "a list";
        if (e.getAsJsonPrimitive().isString()) return "a string";
        if (e.getAsJsonPrimitive().isNumber()) return "a number";
        return "a boolean";
    }
}
