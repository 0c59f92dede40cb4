package mpo4j.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The special-token fields of a tokenizer folder as transformers' {@code PreTrainedTokenizerBase._from_pretrained}
 * settles them, the one place both {@link TokenizerConfig} and {@link SlowTokenizerFiles} read them from.
 *
 * <p>{@code tokenizer_config.json} gives the fields. When it has no {@code added_tokens_decoder} (folders saved
 * before transformers 4.34), {@code special_tokens_map.json} is read too and its value <em>replaces</em> the
 * config's for every named field it holds (transformers assigns {@code init_kwargs[key] = value} over what the
 * config gave), while its {@code additional_special_tokens} are appended to the config's, each once. A folder
 * whose config has {@code added_tokens_decoder} ignores special_tokens_map.json, as transformers does.
 *
 * <p>A token is a string or an {@code AddedToken} object {@code {"content": "...", ...}} (null leaves the field
 * unset); anything else is an error naming the file and the field, as transformers' {@code SpecialTokensMixin}
 * rejects it.
 */
final class SpecialTokenFields {
    /** The single-token fields of transformers' {@code SPECIAL_TOKENS_ATTRIBUTES}, in its order. */
    static final List<String> NAMED = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
            "mask_token");
    /** The list field of {@code SPECIAL_TOKENS_ATTRIBUTES}. */
    static final String ADDITIONAL = "additional_special_tokens";
    /** The legacy file of special-token fields. */
    static final String MAP_FILE = "special_tokens_map.json";

    private final Map<String, Optional<String>> named;
    private final List<String> additional;
    private final Map<String, Path> sources;

    private SpecialTokenFields(Map<String, Optional<String>> named, List<String> additional, Map<String, Path> sources) {
        this.named = Collections.unmodifiableMap(named);
        this.additional = List.copyOf(additional);
        this.sources = Collections.unmodifiableMap(sources);
    }

    /**
     * The fields of {@code config} (parsed from {@code configFile}, which need not exist), completed from the
     * {@code special_tokens_map.json} next to it when the config has no {@code added_tokens_decoder}.
     *
     * @throws IllegalArgumentException naming the file and field of a malformed token, or a map file that is
     *     not a JSON object
     */
    static SpecialTokenFields read(Path configFile, JsonObject config) {
        Map<String, Optional<String>> named = new LinkedHashMap<>();
        Map<String, Path> sources = new LinkedHashMap<>();
        for (String field : NAMED) {
            if (config.has(field)) {
                named.put(field, token(configFile, field, config.get(field)));
                sources.put(field, configFile);
            }
        }
        List<String> additional = new ArrayList<>();
        if (config.has(ADDITIONAL)) {
            additional.addAll(tokens(configFile, config.get(ADDITIONAL)));
            sources.put(ADDITIONAL, configFile);
        }
        Path mapFile = configFile.resolveSibling(MAP_FILE);
        if (!config.has("added_tokens_decoder") && Files.isRegularFile(mapFile)) {
            for (Map.Entry<String, JsonElement> e : readObject(mapFile).entrySet()) {
                if (NAMED.contains(e.getKey())) {
                    named.put(e.getKey(), token(mapFile, e.getKey(), e.getValue()));
                    sources.put(e.getKey(), mapFile);
                } else if (e.getKey().equals(ADDITIONAL)) {
                    for (String t : tokens(mapFile, e.getValue())) {
                        if (!additional.contains(t)) {
                            additional.add(t);
                        }
                    }
                    sources.put(ADDITIONAL, mapFile);
                }
            }
        }
        return new SpecialTokenFields(named, additional, sources);
    }

    /** Whether a file sets {@code field}, possibly to null (then a tokenizer class's default does not apply). */
    boolean isSet(String field) { return named.containsKey(field); }

    /** The token of a named field; empty when no file sets it or a file sets it to null. */
    Optional<String> token(String field) { return named.getOrDefault(field, Optional.empty()); }

    /** {@code additional_special_tokens}: the config's, then the map's not already listed. */
    List<String> additional() { return additional; }

    /** Field to the file its value was read from (the map file for additional tokens it extended). */
    Map<String, Path> sources() { return sources; }

    private static Optional<String> token(Path file, String field, JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Optional.empty();
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return Optional.of(e.getAsString());
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content") && e.getAsJsonObject().get("content").isJsonPrimitive()
                && e.getAsJsonObject().get("content").getAsJsonPrimitive().isString()) {
            return Optional.of(e.getAsJsonObject().get("content").getAsString());
        }
        throw new IllegalArgumentException(file + ": " + field + " must be a string or an AddedToken object {\"content\": \"...\"}"
                + " (or null), got " + e);
    }

    private static List<String> tokens(Path file, JsonElement e) {
        List<String> out = new ArrayList<>();
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException(file + ": " + ADDITIONAL + " must be a list of strings or AddedToken objects, got " + e);
        }
        int i = 0;
        for (JsonElement t : e.getAsJsonArray()) {
            String field = ADDITIONAL + "[" + i++ + "]";
            out.add(token(file, field, t).orElseThrow(() -> new IllegalArgumentException(file + ": " + field + " is null")));
        }
        return out;
    }

    private static JsonObject readObject(Path file) {
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new IllegalArgumentException(file + ": must be a JSON object of special-token fields, got " + parsed);
            }
            return parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }
}
