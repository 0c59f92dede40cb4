package mpo4j.sample;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import mpo4j.text.InternVl25Template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small byte-level BPE trainer that writes a Hugging Face {@code tokenizer.json} (loadable by
 * DJL's {@code HuggingFaceTokenizer}) and a {@code tokenizer_config.json} with a ChatML chat template.
 *
 * <p>Text is split with the GPT-2 pre-tokenizer regex, each piece's UTF-8 bytes are mapped to the
 * GPT-2 byte-to-unicode alphabet (256 base symbols, so any text round-trips), and the most frequent
 * adjacent pair (ties: lexicographically smallest) is merged until the vocabulary, special tokens
 * included, reaches the target size or no pair is left. Special tokens get the last ids.
 *
 * <p>Typical use: construct with the target vocabulary size and {@link #CHATML_SPECIALS}, call
 * {@link #train(List)} with the corpus, then {@link #write(Path)} into the tokenizer folder.
 *
 * <p>Command line: {@code BpeTrainer [--vocab N] [--shapes] --out DIR file.txt|file.jsonl ...}
 * (JSONL: every string value of every line is training text; {@code --shapes} adds the built-in
 * shapes-domain corpus).
 */
public final class BpeTrainer {
    /** The special tokens the InternVL-style tiny model needs; the first one is the pad token. */
    public static final List<String> CHATML_SPECIALS =
            List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>");

    /** GPT-2's pre-tokenization regex (what the ByteLevel pre-tokenizer applies with use_regex). */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    /** The ChatML template with InternVL's layout and a short default system message (Jinja, HF style). */
    public static final String CHATML_JINJA =
            "{%- if messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\n" + InternVl25Template.DEFAULT_SYSTEM
            + "<|im_end|>\\n' }}{%- endif %}"
            + "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private final int vocabSize;
    private final List<String> specials;
    private final List<String> vocab = new ArrayList<>();
    private final List<String> merges = new ArrayList<>();

    /**
     * A trainer for a vocabulary of {@code vocabSize} ids in total: 256 byte symbols, the learned merges,
     * and {@code specials} (which get the last ids; the first special is the pad token).
     */
    public BpeTrainer(int vocabSize, List<String> specials) {
        if (vocabSize < 256 + specials.size()) {
            throw new IllegalArgumentException("vocab " + vocabSize + " is smaller than 256 bytes + " + specials.size() + " specials");
        }
        this.vocabSize = vocabSize;
        this.specials = List.copyOf(specials);
    }

    /** The GPT-2 byte → printable unicode character map (index = byte value). */
    static char[] byteToUnicode() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    /** Learns merges from {@code texts}; special-token strings inside the texts are not learned from. */
    public BpeTrainer train(List<String> texts) {
        char[] b2u = byteToUnicode();
        Map<String, Integer> wordCounts = new HashMap<>();
        Pattern specialSplit = Pattern.compile(String.join("|", specials.stream().map(Pattern::quote).toList()));
        for (String text : texts) {
            for (String piece : specialSplit.split(text)) {
                Matcher m = GPT2_SPLIT.matcher(piece);
                while (m.find()) {
                    byte[] bytes = m.group().getBytes(StandardCharsets.UTF_8);
                    StringBuilder sb = new StringBuilder(bytes.length);
                    for (byte b : bytes) sb.append(b2u[b & 0xFF]);
                    wordCounts.merge(sb.toString(), 1, Integer::sum);
                }
            }
        }
        vocab.clear();
        merges.clear();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            ids.put(String.valueOf(b2u[b]), vocab.size());
            vocab.add(String.valueOf(b2u[b]));
        }
        // Words as symbol-id sequences, sorted so that the training is independent of hash order.
        List<String> words = new ArrayList<>(wordCounts.keySet());
        words.sort(null);
        List<int[]> symbols = new ArrayList<>();
        int[] counts = new int[words.size()];
        for (int w = 0; w < words.size(); w++) {
            String word = words.get(w);
            int[] s = new int[word.length()];
            for (int i = 0; i < s.length; i++) s[i] = ids.get(String.valueOf(word.charAt(i)));
            symbols.add(s);
            counts[w] = wordCounts.get(word);
        }
        int target = vocabSize - specials.size();
        while (vocab.size() < target) {
            Map<Long, Long> pairs = new HashMap<>();
            for (int w = 0; w < symbols.size(); w++) {
                int[] s = symbols.get(w);
                for (int i = 0; i + 1 < s.length; i++) {
                    pairs.merge(((long) s[i] << 32) | s[i + 1], (long) counts[w], Long::sum);
                }
            }
            if (pairs.isEmpty()) {
                break;
            }
            long best = -1, bestCount = -1;
            String bestText = null;
            for (Map.Entry<Long, Long> e : pairs.entrySet()) {
                long c = e.getValue();
                if (c < bestCount) continue;
                String text = vocab.get((int) (e.getKey() >>> 32)) + " " + vocab.get((int) (long) e.getKey());
                if (c > bestCount || text.compareTo(bestText) < 0) {
                    best = e.getKey();
                    bestCount = c;
                    bestText = text;
                }
            }
            int left = (int) (best >>> 32), right = (int) best, merged = vocab.size();
            merges.add(bestText);
            vocab.add(vocab.get(left) + vocab.get(right));
            for (int w = 0; w < symbols.size(); w++) {
                symbols.set(w, merge(symbols.get(w), left, right, merged));
            }
        }
        return this;
    }

    private static int[] merge(int[] s, int left, int right, int merged) {
        int n = 0;
        int[] out = null;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                if (out == null) {
                    out = new int[s.length - 1];
                    System.arraycopy(s, 0, out, 0, i);
                    n = i;
                }
                out[n++] = merged;
                i++;
            } else if (out != null) {
                out[n++] = s[i];
            }
        }
        return out == null ? s : java.util.Arrays.copyOf(out, n);
    }

    /** Merges learned, in priority order ({@code "left right"}). */
    public List<String> merges() { return List.copyOf(merges); }

    /** Final vocabulary size, special tokens included. */
    public int size() { return vocab.size() + specials.size(); }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (temp file, then rename). */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Gson gson = new GsonBuilder().serializeNulls().setPrettyPrinting().disableHtmlEscaping().create();
        writeAtomically(dir.resolve("tokenizer.json"), gson.toJson(tokenizerJson()));
        writeAtomically(dir.resolve("tokenizer_config.json"), gson.toJson(tokenizerConfig()));
    }

    private Map<String, Object> tokenizerJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("truncation", null);
        json.put("padding", null);
        List<Map<String, Object>> added = new ArrayList<>();
        for (int i = 0; i < specials.size(); i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", vocab.size() + i);
            t.put("content", specials.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            added.add(t);
        }
        json.put("added_tokens", added);
        json.put("normalizer", null);
        json.put("pre_tokenizer", byteLevel(false));
        json.put("post_processor", null);
        json.put("decoder", byteLevel(true));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        Map<String, Integer> v = new LinkedHashMap<>();
        for (int i = 0; i < vocab.size(); i++) v.put(vocab.get(i), i);
        model.put("vocab", v);
        model.put("merges", merges);
        json.put("model", model);
        return json;
    }

    private static Map<String, Object> byteLevel(boolean decoder) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", false);
        m.put("trim_offsets", !decoder);
        m.put("use_regex", true);
        return m;
    }

    private Map<String, Object> tokenizerConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        Map<String, Object> decoder = new LinkedHashMap<>();
        for (int i = 0; i < specials.size(); i++) {
            decoder.put(String.valueOf(vocab.size() + i), Map.of("content", specials.get(i), "special", true,
                    "lstrip", false, "rstrip", false, "normalized", false, "single_word", false));
        }
        c.put("added_tokens_decoder", decoder);
        c.put("additional_special_tokens", specials.subList(1, specials.size()));
        c.put("bos_token", null);
        c.put("eos_token", specials.contains("<|im_end|>") ? "<|im_end|>" : specials.get(0));
        c.put("pad_token", specials.get(0));
        c.put("model_max_length", 4096);
        c.put("clean_up_tokenization_spaces", false);
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.put("chat_template", CHATML_JINJA);
        return c;
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
        tmp.toFile().setReadable(true, false);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Training text from a file: a JSONL file gives every string value of every line, other files their lines. */
    static List<String> readCorpus(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (!jsonl) {
                out.add(line);
            } else if (!line.isBlank()) {
                try {
                    collectStrings(JsonParser.parseString(line), out);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": malformed JSON: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    private static void collectStrings(JsonElement e, List<String> out) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            out.add(e.getAsString());
        } else if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> collectStrings(x, out));
        } else if (e.isJsonObject()) {
            e.getAsJsonObject().entrySet().forEach(x -> collectStrings(x.getValue(), out));
        }
    }

    /** Command line: {@code [--vocab N] [--shapes] --out DIR file.txt|file.jsonl ...} (see the class comment). */
    public static void main(String[] args) throws IOException {
        int vocab = 2048;
        boolean shapes = false;
        Path out = null;
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vocab" -> vocab = Integer.parseInt(args[++i]);
                case "--shapes" -> shapes = true;
                case "--out" -> out = Path.of(args[++i]);
                default -> corpus.addAll(readCorpus(Path.of(args[i])));
            }
        }
        if (out == null || (corpus.isEmpty() && !shapes)) {
            System.err.println("usage: BpeTrainer [--vocab N] [--shapes] --out DIR [file.txt|file.jsonl ...]");
            System.exit(2);
        }
        if (shapes) {
            corpus.addAll(TokenizerCorpus.shapes());
        }
        BpeTrainer trainer = new BpeTrainer(vocab, CHATML_SPECIALS).train(corpus);
        trainer.write(out);
        System.out.println("wrote " + out + ": vocab " + trainer.size() + " (" + trainer.merges().size() + " merges) from "
                + corpus.size() + " texts");
    }
}
