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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The parts of a checkpoint's {@code tokenizer_config.json} that decide how conversations become
 * tokens, read as transformers reads them: special tokens may be plain strings or
 * {@code {"content": ...}} objects, and in folders whose config has no {@code added_tokens_decoder}
 * (saved before transformers 4.34) {@code special_tokens_map.json} replaces the config's special tokens
 * and extends its {@code additional_special_tokens}; {@code chat_template} is a string or a list of
 * {@code {"name", "template"}}; a {@code chat_template.jinja} file next to it (as transformers 4.5x
 * writes) replaces the config's default template and {@code additional_chat_templates/NAME.jinja} adds
 * named ones. A folder without tokenizer_config.json gives an empty config.
 *
 * @param file                     the tokenizer_config.json this came from (it may not exist)
 * @param addedTokensDecoder       {@code added_tokens_decoder}: id to token, in id order
 * @param chatTemplates            template name to Jinja source; the unnamed one is {@code "default"}
 * @param modelMaxLength           {@code model_max_length}, when set
 * @param additionalSpecialTokens  {@code additional_special_tokens}
 * @param specialTokenSources      for each special-token field a file sets ({@code bos_token},
 *     {@code additional_special_tokens}, ...), the file its value came from: {@code file} or the
 *     special_tokens_map.json next to it
 */
public record TokenizerConfig(
        Path file,
        Optional<String> bosToken,
        Optional<String> eosToken,
        Optional<String> padToken,
        Optional<String> unkToken,
        Map<Long, AddedToken> addedTokensDecoder,
        Map<String, String> chatTemplates,
        OptionalLong modelMaxLength,
        List<String> additionalSpecialTokens,
        Map<String, Path> specialTokenSources) {

    /** The name transformers gives the chat template when the config holds a single string. */
    public static final String DEFAULT_TEMPLATE = "default";

    /** One entry of {@code added_tokens_decoder}. */
    public record AddedToken(String content, boolean special) {}

    public TokenizerConfig {
        addedTokensDecoder = Collections.unmodifiableMap(new TreeMap<>(addedTokensDecoder));
        chatTemplates = Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplates));
        additionalSpecialTokens = List.copyOf(additionalSpecialTokens);
        specialTokenSources = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokenSources));
    }

    /**
     * Reads {@code tokenizer_config.json}, {@code chat_template.jinja} and {@code additional_chat_templates/} in
     * {@code folder}, and {@code special_tokens_map.json} when the config has no {@code added_tokens_decoder}.
     *
     * @throws IllegalArgumentException naming the file and field of a malformed entry
     */
    public static TokenizerConfig read(Path folder) {
        Path file = folder.resolve("tokenizer_config.json");
        JsonObject json = new JsonObject();
        try {
            if (Files.isRegularFile(file)) {
                json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            }
            Map<String, String> templates = new LinkedHashMap<>(templates(file, json.get("chat_template")));
            Path jinja = folder.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                templates.put(DEFAULT_TEMPLATE, Files.readString(jinja, StandardCharsets.UTF_8));
            }
            Path more = folder.resolve("additional_chat_templates");
            if (Files.isDirectory(more)) {
                try (Stream<Path> files = Files.list(more)) {
                    for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".jinja")).sorted().toList()) {
                        String name = p.getFileName().toString();
                        templates.put(name.substring(0, name.length() - ".jinja".length()), Files.readString(p, StandardCharsets.UTF_8));
                    }
                }
            }
            Map<Long, AddedToken> decoder = new TreeMap<>();
            if (json.has("added_tokens_decoder") && json.get("added_tokens_decoder").isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("added_tokens_decoder").entrySet()) {
                    long id;
                    try {
                        id = Long.parseLong(e.getKey());
                    } catch (NumberFormatException bad) {
                        throw new IllegalArgumentException(file + ": added_tokens_decoder key " + e.getKey() + " is not a token id");
                    }
                    JsonObject t = e.getValue().getAsJsonObject();
                    decoder.put(id, new AddedToken(t.get("content").getAsString(), !t.has("special") || t.get("special").getAsBoolean()));
                }
            }
            SpecialTokenFields specials = SpecialTokenFields.read(file, json);
            OptionalLong maxLength = OptionalLong.empty();
            if (json.has("model_max_length") && json.get("model_max_length").isJsonPrimitive()) {
                double v = json.get("model_max_length").getAsDouble();
                // transformers writes 1e30 (VERY_LARGE_INTEGER) when a model sets no limit
                if (v < Long.MAX_VALUE) maxLength = OptionalLong.of((long) v);
            }
            return new TokenizerConfig(file, specials.token("bos_token"), specials.token("eos_token"), specials.token("pad_token"),
                    specials.token("unk_token"), decoder, templates, maxLength, specials.additional(), specials.sources());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> templates(Path file, JsonElement e) {
        Map<String, String> out = new LinkedHashMap<>();
        if (e == null || e.isJsonNull()) return out;
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            out.put(DEFAULT_TEMPLATE, e.getAsString());
            return out;
        }
        if (e.isJsonArray()) {
            int i = 0;
            for (JsonElement t : e.getAsJsonArray()) {
                JsonObject o = t.isJsonObject() ? t.getAsJsonObject() : null;
                if (o == null || !o.has("name") || !o.has("template")) {
                    throw new IllegalArgumentException(file + ": chat_template[" + i + "] must be {\"name\": ..., \"template\": ...}");
                }
                out.put(o.get("name").getAsString(), o.get("template").getAsString());
                i++;
            }
            return out;
        }
        throw new IllegalArgumentException(file + ": chat_template must be a string or a list of {name, template}, got " + e);
    }

    /** The template transformers uses when none is named: {@code "default"}, or the only one. */
    public Optional<String> chatTemplate() {
        if (chatTemplates.containsKey(DEFAULT_TEMPLATE)) return Optional.of(chatTemplates.get(DEFAULT_TEMPLATE));
        return chatTemplates.size() == 1 ? chatTemplates.values().stream().findFirst() : Optional.empty();
    }

    /**
     * The variables transformers passes to every chat template ({@code tokenizer.special_tokens_map}):
     * {@code bos_token}, {@code eos_token}, {@code unk_token}, {@code pad_token} when set, and
     * {@code additional_special_tokens}.
     */
    public Map<String, Object> specialTokensMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        bosToken.ifPresent(t -> out.put("bos_token", t));
        eosToken.ifPresent(t -> out.put("eos_token", t));
        unkToken.ifPresent(t -> out.put("unk_token", t));
        padToken.ifPresent(t -> out.put("pad_token", t));
        if (!additionalSpecialTokens.isEmpty()) out.put("additional_special_tokens", additionalSpecialTokens);
        return out;
    }
}
