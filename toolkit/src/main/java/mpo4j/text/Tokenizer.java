package mpo4j.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checkpoint's tokenizer: {@code tokenizer.json} (or, converted as transformers converts them, a
 * slow Qwen2 tokenizer's {@code vocab.json} and {@code merges.txt}: {@link SlowTokenizerFiles}) loaded
 * offline through DJL's Hugging Face tokenizers, with what {@code tokenizer_config.json} says ({@link #config()}: eos/pad/bos tokens,
 * added tokens, chat templates, max length) and id lookup for added tokens ({@code <|im_start|>},
 * {@code <think>}, {@code <IMG_CONTEXT>}).
 *
 * <p>{@link #encode(String)} never adds BOS/EOS and always maps an added-token string (e.g.
 * {@code <|im_end|>}) to its single id: the text is split at added tokens here and only the pieces
 * between them go through BPE, as Hugging Face tokenizers does with {@code split_special_tokens=False}.
 */
public final class Tokenizer implements AutoCloseable {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String IMG_START = "<img>";
    public static final String IMG_END = "</img>";
    public static final String IMG_CONTEXT = "<IMG_CONTEXT>";

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Long> added;     // every added token (special or not) -> id
    private final Set<Long> specialIds;        // ids of added tokens marked "special": true
    private final Pattern specialSplit;
    private final int vocabSize;
    private final long padId;
    private final TokenizerConfig config;

    private Tokenizer(Path file, HuggingFaceTokenizer hf, Map<String, Long> added, Set<Long> specialIds, int vocabSize,
            long padId, TokenizerConfig config) {
        this.file = file;
        this.hf = hf;
        this.added = added;
        this.specialIds = specialIds;
        this.vocabSize = vocabSize;
        this.padId = padId;
        this.config = config;
        List<String> bySize = new ArrayList<>(added.keySet());
        bySize.sort((a, b) -> b.length() - a.length()); // longest first, so no added token hides a longer one
        this.specialSplit = bySize.isEmpty() ? null : Pattern.compile(String.join("|", bySize.stream().map(Pattern::quote).toList()));
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
     * Loads a checkpoint's tokenizer from its folder ({@code tokenizer.json} plus, when present,
     * {@code tokenizer_config.json}, {@code chat_template.jinja} and {@code additional_chat_templates/})
     * or from a {@code tokenizer.json} file. A folder without {@code tokenizer.json} but with a slow
     * Qwen2 tokenizer's {@code vocab.json} and {@code merges.txt} (OpenGVLab's InternVL repos) is
     * converted as transformers converts it ({@link SlowTokenizerFiles}), in memory. Never touches the
     * network.
     *
     * @throws IllegalArgumentException naming the file and field that is missing or malformed, or the
     *     folder and the files looked for when it holds no tokenizer
     */
    public static Tokenizer load(Path path) {
        if (Files.isDirectory(path) && !Files.isRegularFile(path.resolve("tokenizer.json")) && SlowTokenizerFiles.present(path)) {
            Path vocab = path.resolve(SlowTokenizerFiles.VOCAB);
            try {
                return load(vocab, SlowTokenizerFiles.tokenizerJson(path), true);
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot convert the slow tokenizer in " + path + ": " + e.getMessage(), e);
            }
        }
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(Files.isDirectory(path)
                    ? path + " holds no tokenizer: looked for tokenizer.json, or vocab.json with merges.txt (a slow Qwen2 tokenizer)"
                    : "tokenizer.json not found: " + file);
        }
        try {
            return load(file, JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file, e);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code dir} holds a tokenizer {@link #load} reads: {@code tokenizer.json}, or the slow {@code vocab.json} and {@code merges.txt}. */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.json")) || SlowTokenizerFiles.present(dir);
    }

    /**
     * The tokenizer the {@code tokenizer.json} document {@code json} describes; {@code file} names it in
     * messages and its folder holds {@code tokenizer_config.json}; a {@code converted} document exists
     * only in memory, otherwise {@code file} is that document.
     */
    private static Tokenizer load(Path file, JsonObject json, boolean converted) {
        try {
            Map<String, Long> added = new LinkedHashMap<>();
            Set<Long> specialIds = new HashSet<>();
            long maxId = -1;
            if (json.has("added_tokens") && json.get("added_tokens").isJsonArray()) {
                for (JsonElement e : json.getAsJsonArray("added_tokens")) {
                    JsonObject t = e.getAsJsonObject();
                    long id = t.get("id").getAsLong();
                    maxId = Math.max(maxId, id);
                    added.put(t.get("content").getAsString(), id);
                    if (!t.has("special") || t.get("special").getAsBoolean()) specialIds.add(id);
                }
            }
            JsonObject model = json.getAsJsonObject("model");
            if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
                    maxId = Math.max(maxId, e.getValue().getAsLong());
                }
            }
            TokenizerConfig config = TokenizerConfig.read(file.getParent() == null ? Path.of(".") : file.getParent());
            // tokenizer_config.json's added_tokens_decoder is what transformers trusts; it agrees with
            // tokenizer.json in real checkpoints, and a token it adds must be matched in text as well
            for (Map.Entry<Long, TokenizerConfig.AddedToken> e : config.addedTokensDecoder().entrySet()) {
                Long known = added.get(e.getValue().content());
                if (known != null && known.longValue() != e.getKey()) {
                    throw new IllegalArgumentException(config.file() + ": added_tokens_decoder gives " + e.getValue().content()
                            + " id " + e.getKey() + " but " + file.getFileName() + " gives " + known);
                }
                added.put(e.getValue().content(), e.getKey());
                if (e.getValue().special()) specialIds.add(e.getKey());
                maxId = Math.max(maxId, e.getKey());
            }
            long pad = padId(file, added, config);
            Map<String, String> options = new HashMap<>();
            options.put("addSpecialTokens", "false");
            options.put("truncation", "false");
            options.put("padding", "false");
            options.put("maxLength", "-1");
            // a converted slow tokenizer goes to DJL as a stream, so nothing is written next to the checkpoint
            HuggingFaceTokenizer hf = converted
                    ? HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.toString().getBytes(StandardCharsets.UTF_8)), options)
                    : HuggingFaceTokenizer.newInstance(file, options);
            return new Tokenizer(file, hf, Collections.unmodifiableMap(added), Set.copyOf(specialIds), (int) (maxId + 1), pad, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file, e);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code pad_token} (from tokenizer_config.json or special_tokens_map.json, see {@link TokenizerConfig}), else
     * {@code eos_token} (what TRL sets when a tokenizer has no pad token), else {@code <|endoftext|>} or {@code <pad>} for a bare tokenizer.json.
     */
    private static long padId(Path file, Map<String, Long> added, TokenizerConfig config) {
        for (Map.Entry<String, Optional<String>> named : List.of(Map.entry("pad_token", config.padToken()), Map.entry("eos_token", config.eosToken()))) {
            if (named.getValue().isPresent()) {
                Long id = added.get(named.getValue().get());
                if (id == null) {
                    throw new IllegalArgumentException(config.specialTokenSources().getOrDefault(named.getKey(), config.file()) + ": "
                            + named.getKey() + " " + named.getValue().get()
                            + " is not an added token of " + file);
                }
                return id;
            }
        }
        for (String name : List.of("<|endoftext|>", "<pad>")) {
            if (added.containsKey(name)) {
                return added.get(name);
            }
        }
        throw new IllegalArgumentException(file + ": no pad token (tokenizer_config.json pad_token or eos_token, <|endoftext|> or <pad>)");
    }

    /**
     * Token ids of {@code text} as transformers' {@code tokenizer.encode(text, add_special_tokens=False)}
     * gives them (what {@code apply_chat_template(tokenize=True)} uses): every added-token string (e.g.
     * {@code <|im_end|>}, {@code <think>}) becomes its single id, nothing is added around the text.
     */
    public long[] encode(String text) {
        List<long[]> parts = new ArrayList<>();
        int total = 0, last = 0;
        Matcher m = specialSplit == null ? Pattern.compile("(?!)").matcher(text) : specialSplit.matcher(text);
        while (m.find()) {
            long[] piece = encodePlain(text.substring(last, m.start()));
            parts.add(piece);
            parts.add(new long[] {added.get(m.group())});
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

    /**
     * Token ids of {@code text}; with {@code addSpecialTokens} the tokenizer's post-processor adds what it
     * defines (a BOS for Llama-style tokenizers; nothing for Qwen), as {@code tokenizer(text)} does.
     */
    public long[] encode(String text, boolean addSpecialTokens) {
        return addSpecialTokens ? hf.encode(text, true, false).getIds() : encode(text);
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

    /**
     * The text of {@code ids}; with {@code skipSpecialTokens} the added tokens marked special
     * ({@code <|im_end|>}, not {@code <think>}) are left out, as transformers' {@code decode} does.
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return hf.decode(ids, skipSpecialTokens);
    }

    /**
     * The id of an added token such as {@code <|im_start|>}, {@code <think>} or {@code <IMG_CONTEXT>}.
     *
     * @throws IllegalArgumentException naming the token and the tokenizer file when it has no such token
     */
    public long id(String addedToken) {
        Long id = added.get(addedToken);
        if (id == null) {
            throw new IllegalArgumentException(file + " has no added token " + addedToken + " (it has " + added.size()
                    + " added tokens: " + preview(added.keySet()) + ")");
        }
        return id;
    }

    private static String preview(Collection<String> names) {
        List<String> first = names.stream().limit(12).toList();
        return String.join(" ", first) + (names.size() > first.size() ? " ..." : "");
    }

    /** Whether {@code id} is an added token marked special (skipped by {@code decode(ids, true)}). */
    public boolean isSpecial(long id) { return specialIds.contains(id); }

    /** Whether {@code id} is any added token, special or not (e.g. {@code <think>}). */
    public boolean isAdded(long id) { return added.containsValue(id); }

    public long padId() { return padId; }

    /**
     * The id of {@code eos_token} from tokenizer_config.json.
     *
     * @throws IllegalArgumentException naming the file when the config sets no eos_token
     */
    public long eosId() {
        return id(config.eosToken().orElseThrow(() -> new IllegalArgumentException(config.file() + " (or the special_tokens_map.json next to it) sets no eos_token")));
    }

    public long imStartId() { return id(IM_START); }

    public long imEndId() { return id(IM_END); }

    public long imageStartId() { return id(IMG_START); }

    public long imageEndId() { return id(IMG_END); }

    public long imageContextId() { return id(IMG_CONTEXT); }

    /** Number of ids (highest id + 1), added tokens included. */
    public int vocabSize() { return vocabSize; }

    /** Added tokens marked special, and their ids. */
    public Map<String, Long> specialTokens() {
        Map<String, Long> out = new LinkedHashMap<>();
        added.forEach((k, v) -> {
            if (specialIds.contains(v)) out.put(k, v);
        });
        return Collections.unmodifiableMap(out);
    }

    /** Every added token (special or not, e.g. {@code <think>}) and its id, in file order. */
    public Map<String, Long> addedTokens() { return added; }

    /** What tokenizer_config.json (and chat_template.jinja) says: special tokens, chat templates, max length. */
    public TokenizerConfig config() { return config; }

    /** The default Jinja {@code chat_template}, if the checkpoint has one. */
    public Optional<String> chatTemplate() { return config.chatTemplate(); }

    /** The {@code tokenizer.json} read, or the {@code vocab.json} of a converted slow tokenizer. */
    public Path file() { return file; }

    @Override
    public void close() {
        hf.close();
    }

    @Override
    public String toString() {
        // by id, so the text is the same on every run (the map itself has no stable order)
        StringBuilder bySpecialId = new StringBuilder("{");
        specialTokens().entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> bySpecialId.append(bySpecialId.length() > 1 ? ", " : "").append(e.getKey()).append('=').append(e.getValue()));
        return "Tokenizer[" + file + ", vocab " + vocabSize + ", pad " + padId + ", specials " + bySpecialId.append('}') + "]";
    }
}
