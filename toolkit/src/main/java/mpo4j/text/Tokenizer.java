package mpo4j.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizer.json} loaded offline through DJL, with the ids of the special
 * tokens InternVL-style models need.
 *
 * <p>{@link #encode} never adds BOS/EOS and always maps a special-token string (e.g.
 * {@code <|im_end|>}) to its single id: the text is split at special tokens here and only the pieces
 * between them go through BPE, so the result does not depend on how the native library treats added
 * tokens.
 */
public final class Tokenizer implements AutoCloseable {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String IMG_START = "<img>";
    public static final String IMG_END = "</img>";
    public static final String IMG_CONTEXT = "<IMG_CONTEXT>";

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Long> specials;
    private final Pattern specialSplit;
    private final int vocabSize;
    private final long padId;
    private final String chatTemplate;

    private Tokenizer(Path file, HuggingFaceTokenizer hf, Map<String, Long> specials, int vocabSize, long padId, String chatTemplate) {
        this.file = file;
        this.hf = hf;
        this.specials = specials;
        this.vocabSize = vocabSize;
        this.padId = padId;
        this.chatTemplate = chatTemplate;
        List<String> bySize = new ArrayList<>(specials.keySet());
        bySize.sort((a, b) -> b.length() - a.length()); // longest first, so no special hides a longer one
        this.specialSplit = Pattern.compile(String.join("|", bySize.stream().map(Pattern::quote).toList()));
    }

    /** Where the build copies the sample tokenizer inside the toolkit jar. */
    private static final String SAMPLE_RESOURCE = "/mpo4j/text/sample-tokenizer/";

    /**
     * The 2048-id byte-level BPE tokenizer of {@code datasets-sample/tokenizer}, read from the toolkit
     * jar, so it works from any working directory (a notebook runs in {@code notebooks/}).
     */
    public static Tokenizer sample() {
        try {
            Path dir = Files.createTempDirectory("mpo4j-tokenizer");
            for (String name : List.of("tokenizer.json", "tokenizer_config.json")) {
                try (var in = Tokenizer.class.getResourceAsStream(SAMPLE_RESOURCE + name)) {
                    if (in == null) {
                        throw new IllegalStateException("the toolkit jar has no " + SAMPLE_RESOURCE + name + " (rebuild with ./mpo4j build)");
                    }
                    Path target = dir.resolve(name);
                    Files.copy(in, target);
                    target.toFile().deleteOnExit();
                }
            }
            dir.toFile().deleteOnExit();
            return load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the sample tokenizer", e);
        }
    }

    /**
     * Loads {@code tokenizer.json} from a folder (which may also hold {@code tokenizer_config.json}
     * with {@code pad_token} and {@code chat_template}) or from the file itself. Never touches the network.
     */
    public static Tokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("tokenizer.json not found: " + file);
        }
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            Map<String, Long> specials = new LinkedHashMap<>();
            long maxId = -1;
            if (json.has("added_tokens") && json.get("added_tokens").isJsonArray()) {
                for (JsonElement e : json.getAsJsonArray("added_tokens")) {
                    JsonObject t = e.getAsJsonObject();
                    long id = t.get("id").getAsLong();
                    maxId = Math.max(maxId, id);
                    specials.put(t.get("content").getAsString(), id);
                }
            }
            JsonObject model = json.getAsJsonObject("model");
            if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
                    maxId = Math.max(maxId, e.getValue().getAsLong());
                }
            }
            JsonObject config = readConfig(file.resolveSibling("tokenizer_config.json"));
            String template = config != null && config.has("chat_template") && config.get("chat_template").isJsonPrimitive()
                    ? config.get("chat_template").getAsString() : null;
            long pad = padId(file, specials, config);
            Map<String, String> options = new HashMap<>();
            options.put("addSpecialTokens", "false");
            options.put("truncation", "false");
            options.put("padding", "false");
            options.put("maxLength", "-1");
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file, options);
            return new Tokenizer(file, hf, Map.copyOf(specials), (int) (maxId + 1), pad, template);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonObject readConfig(Path config) throws IOException {
        return Files.isRegularFile(config)
                ? JsonParser.parseString(Files.readString(config, StandardCharsets.UTF_8)).getAsJsonObject() : null;
    }

    /** {@code pad_token} from tokenizer_config.json, else {@code <|endoftext|>}, else {@code <pad>}. */
    private static long padId(Path file, Map<String, Long> specials, JsonObject config) {
        if (config != null && config.has("pad_token") && !config.get("pad_token").isJsonNull()) {
            JsonElement p = config.get("pad_token");
            String name = p.isJsonObject() ? p.getAsJsonObject().get("content").getAsString() : p.getAsString();
            Long id = specials.get(name);
            if (id == null) {
                throw new IllegalArgumentException(file + ": pad_token " + name + " is not an added token");
            }
            return id;
        }
        for (String name : List.of("<|endoftext|>", "<pad>")) {
            if (specials.containsKey(name)) {
                return specials.get(name);
            }
        }
        throw new IllegalArgumentException(file + ": no pad token (tokenizer_config.json pad_token, <|endoftext|> or <pad>)");
    }

    /** Token ids of {@code text}; special-token strings become their single ids, nothing is added. */
    public long[] encode(String text) {
        List<long[]> parts = new ArrayList<>();
        int total = 0, last = 0;
        Matcher m = specialSplit.matcher(text);
        while (m.find()) {
            long[] piece = encodePlain(text.substring(last, m.start()));
            parts.add(piece);
            parts.add(new long[] {specials.get(m.group())});
            total += piece.length + 1;
            last = m.end();
        }
        long[] tail = encodePlain(text.substring(last));
        parts.add(tail);
        total += tail.length;
        long[] out = new long[total];
        int n = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, n, p.length);
            n += p.length;
        }
        return out;
    }

    private long[] encodePlain(String text) {
        return text.isEmpty() ? new long[0] : hf.encode(text, false, false).getIds();
    }

    /** Number of tokens of {@code text} (e.g. {@code dataset.table(tokenizer::count)}). */
    public int count(String text) {
        return encode(text).length;
    }

    /** The text of {@code ids}, special tokens included. */
    public String decode(long[] ids) {
        return hf.decode(ids, false);
    }

    /** The id of an added (special) token. */
    public long id(String specialToken) {
        Long id = specials.get(specialToken);
        if (id == null) {
            throw new IllegalArgumentException(file + " has no special token " + specialToken + " (has " + specials.keySet() + ")");
        }
        return id;
    }

    public boolean isSpecial(long id) { return specials.containsValue(id); }

    public long padId() { return padId; }

    public long imStartId() { return id(IM_START); }

    public long imEndId() { return id(IM_END); }

    public long imageStartId() { return id(IMG_START); }

    public long imageEndId() { return id(IMG_END); }

    public long imageContextId() { return id(IMG_CONTEXT); }

    /** Number of ids (highest id + 1), added tokens included. */
    public int vocabSize() { return vocabSize; }

    /** Special tokens and their ids. */
    public Map<String, Long> specialTokens() { return specials; }

    /** The Jinja {@code chat_template} of tokenizer_config.json, if there is one. */
    public Optional<String> chatTemplate() { return Optional.ofNullable(chatTemplate); }

    public Path file() { return file; }

    @Override
    public void close() {
        hf.close();
    }

    @Override
    public String toString() {
        // by id, so the text is the same on every run (the map itself has no stable order)
        StringBuilder bySpecialId = new StringBuilder("{");
        specials.entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> bySpecialId.append(bySpecialId.length() > 1 ? ", " : "").append(e.getKey()).append('=').append(e.getValue()));
        return "Tokenizer[" + file + ", vocab " + vocabSize + ", pad " + padId + ", specials " + bySpecialId.append('}') + "]";
    }
}
