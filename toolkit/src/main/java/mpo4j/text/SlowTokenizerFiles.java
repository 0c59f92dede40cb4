package mpo4j.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code tokenizer.json} document transformers builds when a checkpoint ships only a slow
 * {@code Qwen2Tokenizer}'s files ({@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json},
 * maybe {@code added_tokens.json} and {@code special_tokens_map.json}) and no {@code tokenizer.json}, as
 * OpenGVLab's InternVL2.5/InternVL3 repos do. {@code AutoTokenizer} then converts the slow tokenizer
 * with {@code convert_slow_tokenizer.Qwen2Converter}; this class writes the same document, which DJL's
 * Hugging Face tokenizers load like any {@code tokenizer.json}:
 *
 * <ul>
 *   <li>model: BPE over {@code vocab.json} and the merges of {@code merges.txt} in file order (a first
 *       {@code #version:} line and blank lines skipped; a repeated merge keeps its first place, as
 *       {@code list(bpe_ranks.keys())} does), no {@code unk_token}, no dropout, empty
 *       {@code continuing_subword_prefix}/{@code end_of_word_suffix}, no {@code fuse_unk}, no
 *       {@code byte_fallback};
 *   <li>normalizer NFC; pre-tokenizer: Split on Qwen2's regex (behaviour isolated), then ByteLevel
 *       with {@code add_prefix_space} from the config (false for Qwen) and without its own regex;
 *       decoder ByteLevel; post-processor ByteLevel (which adds nothing);
 *   <li>added tokens as {@code PreTrainedTokenizerFast} adds them: the entries of
 *       {@code tokenizer_config.json}'s {@code added_tokens_decoder} in id order (or, in legacy folders
 *       without it, of {@code added_tokens.json}: special when named as a special token, then
 *       normalized=false), followed by any named special token ({@code bos/eos/unk/pad_token},
 *       {@code additional_special_tokens}) not yet present, which gets the next free id; a token is
 *       special when its entry says so or a special-token field names it. tokenizers numbers added
 *       tokens itself (the vocabulary id, else the next free id), so an entry whose id differs from
 *       that (a gap after the vocabulary) is an error rather than a silently renumbered token.
 * </ul>
 */
public final class SlowTokenizerFiles {
    /** The vocabulary of a slow BPE tokenizer: token to id. */
    public static final String VOCAB = "vocab.json";
    /** The merge rules of a slow BPE tokenizer, one {@code "a b"} pair a line, by rank. */
    public static final String MERGES = "merges.txt";
    /** Added tokens of legacy folders: token to id. */
    public static final String ADDED_TOKENS = "added_tokens.json";
    /** Special-token fields of legacy folders. */
    public static final String SPECIAL_TOKENS_MAP = SpecialTokenFields.MAP_FILE;
    private static final String CONFIG = "tokenizer_config.json";

    /** Qwen2's pre-tokenizer pattern (as in convert_slow_tokenizer.Qwen2Converter and Qwen2Tokenizer's PRETOKENIZE_REGEX). */
    static final String QWEN2_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Tokenizer classes whose slow files this conversion reproduces. */
    private static final Set<String> QWEN2_CLASSES = Set.of("Qwen2Tokenizer", "Qwen2TokenizerFast");

    /** The fields Qwen2TokenizerFast's constructor sets to {@code <|endoftext|>} when no file sets them. */
    private static final List<String> QWEN2_DEFAULTS = List.of("unk_token", "eos_token", "pad_token");

    private SlowTokenizerFiles() {}

    /** Whether {@code dir} holds a slow BPE tokenizer ({@code vocab.json} and {@code merges.txt}). */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(VOCAB)) && Files.isRegularFile(dir.resolve(MERGES));
    }

    /**
     * The {@code tokenizer.json} document transformers' {@code Qwen2Converter} and
     * {@code PreTrainedTokenizerFast} build from the slow files in {@code dir}.
     *
     * @throws IllegalArgumentException naming the file (and line or field) that is missing or malformed,
     *     or {@code tokenizer_class} when it names a tokenizer other than Qwen2's
     */
    public static JsonObject tokenizerJson(Path dir) {
        if (!present(dir)) {
            throw new IllegalArgumentException(dir + ": no slow tokenizer files (looked for " + VOCAB + " and " + MERGES + ")");
        }
        JsonObject config = readObject(dir.resolve(CONFIG), true);
        if (config.has("tokenizer_class") && config.get("tokenizer_class").isJsonPrimitive()
                && !QWEN2_CLASSES.contains(config.get("tokenizer_class").getAsString())) {
            throw new IllegalArgumentException(dir.resolve(CONFIG) + ": field 'tokenizer_class' is \"" + config.get("tokenizer_class").getAsString()
                    + "\"; without tokenizer.json mpo4j can convert only a Qwen2Tokenizer's " + VOCAB + " and " + MERGES
                    + " (save the tokenizer with transformers to get a tokenizer.json)");
        }
        JsonObject vocab = readObject(dir.resolve(VOCAB), false);
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException(dir.resolve(VOCAB) + ": token " + e.getKey() + " maps to " + e.getValue() + ", not an id");
            }
        }
        boolean addPrefixSpace = config.has("add_prefix_space") && config.get("add_prefix_space").isJsonPrimitive()
                && config.get("add_prefix_space").getAsBoolean();

        JsonObject out = new JsonObject();
        out.addProperty("version", "1.0");
        out.add("truncation", JsonNull.INSTANCE);
        out.add("padding", JsonNull.INSTANCE);
        out.add("added_tokens", addedTokens(dir, config, vocab));
        out.add("normalizer", type("NFC"));
        JsonObject split = type("Split");
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", QWEN2_PATTERN);
        split.add("pattern", pattern);
        split.addProperty("behavior", "Isolated");
        split.addProperty("invert", false);
        JsonArray steps = new JsonArray();
        steps.add(split);
        // trim_offsets and the post-processor's and decoder's flags change only offsets, never ids or
        // text; they are written as in Qwen's published tokenizer.json files
        steps.add(byteLevel(addPrefixSpace, false, false));
        JsonObject pre = type("Sequence");
        pre.add("pretokenizers", steps);
        out.add("pre_tokenizer", pre);
        out.add("post_processor", byteLevel(false, false, false));
        out.add("decoder", byteLevel(false, false, false));
        JsonObject model = type("BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.addProperty("ignore_merges", false);
        model.add("vocab", vocab);
        model.add("merges", merges(dir.resolve(MERGES)));
        out.add("model", model);
        return out;
    }

    private static JsonObject type(String type) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        return o;
    }

    private static JsonObject byteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
        JsonObject o = type("ByteLevel");
        o.addProperty("add_prefix_space", addPrefixSpace);
        o.addProperty("trim_offsets", trimOffsets);
        o.addProperty("use_regex", useRegex);
        return o;
    }

    /**
     * The merges of {@code merges.txt} as Qwen2Tokenizer reads them: each line stripped, a first line
     * starting with {@code #version:} and empty lines skipped, the rest split at whitespace into a pair.
     */
    static JsonArray merges(Path file) {
        Set<List<String>> pairs = new LinkedHashSet<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                String stripped = PythonStrings.strip(line, null, true, true);
                if ((number == 1 && stripped.startsWith("#version:")) || stripped.isEmpty()) {
                    continue;
                }
                List<String> pair = PythonStrings.split(stripped, null, -1);
                if (pair.size() != 2) {
                    throw new IllegalArgumentException(file + " line " + number + ": a merge is two tokens separated by a space, got \""
                            + line + "\"");
                }
                pairs.add(pair);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        JsonArray out = new JsonArray(pairs.size());
        for (List<String> pair : pairs) {
            JsonArray p = new JsonArray(2);
            p.add(pair.get(0));
            p.add(pair.get(1));
            out.add(p);
        }
        return out;
    }

    /** One added token with transformers' {@code AddedToken} flags. */
    private record Added(String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {
        JsonObject toJson(long id) {
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("content", content);
            o.addProperty("single_word", singleWord);
            o.addProperty("lstrip", lstrip);
            o.addProperty("rstrip", rstrip);
            o.addProperty("normalized", normalized);
            o.addProperty("special", special);
            return o;
        }
    }

    private static JsonArray addedTokens(Path dir, JsonObject config, JsonObject vocab) {
        Path configFile = dir.resolve(CONFIG);
        SpecialTokenFields fields = SpecialTokenFields.read(configFile, config);
        // the named special tokens; Qwen2TokenizerFast's constructor defaults fill the fields no file sets
        Set<String> specials = new LinkedHashSet<>();
        for (String field : SpecialTokenFields.NAMED) {
            if (fields.isSet(field)) {
                fields.token(field).ifPresent(specials::add);
            } else if (QWEN2_DEFAULTS.contains(field)) {
                specials.add("<|endoftext|>");
            }
        }
        specials.addAll(fields.additional());
        TreeMap<Long, Added> byId = new TreeMap<>();
        Path addedSource = configFile;
        if (config.has("added_tokens_decoder") && config.get("added_tokens_decoder").isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : config.getAsJsonObject("added_tokens_decoder").entrySet()) {
                long id;
                try {
                    id = Long.parseLong(e.getKey());
                } catch (NumberFormatException bad) {
                    throw new IllegalArgumentException(configFile + ": added_tokens_decoder key " + e.getKey() + " is not a token id");
                }
                if (!e.getValue().isJsonObject() || !e.getValue().getAsJsonObject().has("content")) {
                    throw new IllegalArgumentException(configFile + ": added_tokens_decoder entry " + e.getKey() + " has no 'content'");
                }
                JsonObject t = e.getValue().getAsJsonObject();
                // AddedToken's defaults: single_word, lstrip, rstrip false; normalized = not special; special false
                boolean special = flag(t, "special", false);
                byId.put(id, new Added(t.get("content").getAsString(), flag(t, "single_word", false), flag(t, "lstrip", false),
                        flag(t, "rstrip", false), flag(t, "normalized", !special), special));
            }
        } else {
            Path addedFile = dir.resolve(ADDED_TOKENS);
            if (Files.isRegularFile(addedFile)) {
                addedSource = addedFile;
                for (Map.Entry<String, JsonElement> e : readObject(addedFile, false).entrySet()) {
                    if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isNumber()) {
                        throw new IllegalArgumentException(addedFile + ": token " + e.getKey() + " maps to " + e.getValue() + ", not an id");
                    }
                    boolean special = specials.contains(e.getKey());
                    byId.put(e.getValue().getAsLong(), new Added(e.getKey(), false, false, false, !special, special));
                }
            }
        }
        Map<String, Long> present = new LinkedHashMap<>();
        byId.forEach((id, t) -> present.put(t.content(), id));
        JsonArray out = new JsonArray();
        long next = vocab.size();
        for (Map.Entry<Long, Added> e : byId.entrySet()) {
            Added t = e.getValue();
            // tokenizers numbers an added token itself: its vocabulary id, else the next free one; a file
            // that says otherwise would be tokenized differently by transformers, so it is an error here
            long given = vocab.has(t.content()) ? vocab.get(t.content()).getAsLong() : next;
            if (given != e.getKey()) {
                throw new IllegalArgumentException(addedSource + ": added token " + t.content() + " has id " + e.getKey()
                        + " but converting the slow tokenizer gives it id " + given + (vocab.has(t.content()) ? " (its vocab.json id)"
                        : " (the next id after the " + vocab.size() + "-entry vocab.json and the added tokens before it)"));
            }
            boolean special = t.special() || specials.contains(t.content());
            out.add(new Added(t.content(), t.singleWord(), t.lstrip(), t.rstrip(), t.normalized(), special).toJson(e.getKey()));
            next = Math.max(next, e.getKey() + 1);
        }
        // a named special token that is neither added nor in the vocabulary gets the next id, as tokenizers' add_special_tokens gives it
        for (String t : specials) {
            if (!present.containsKey(t)) {
                long id = vocab.has(t) ? vocab.get(t).getAsLong() : next++;
                present.put(t, id);
                out.add(new Added(t, false, false, false, false, true).toJson(id));
            }
        }
        return out;
    }

    private static boolean flag(JsonObject t, String field, boolean fallback) {
        return t.has(field) && t.get(field).isJsonPrimitive() ? t.get(field).getAsBoolean() : fallback;
    }

    private static JsonObject readObject(Path file, boolean optional) {
        if (optional && !Files.isRegularFile(file)) {
            return new JsonObject();
        }
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new IllegalArgumentException(file + ": must be a JSON object");
            }
            return parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }
}
