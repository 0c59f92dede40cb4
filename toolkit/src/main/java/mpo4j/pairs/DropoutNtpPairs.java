package mpo4j.pairs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import mpo4j.data.ChatMessage;
import mpo4j.data.PreferencePair;
import mpo4j.generate.PromptTokens;
import mpo4j.generate.SampledCompletion;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.CausalLm;
import mpo4j.online.Rewards;
import mpo4j.rl.EncodedPrompts;

/**
 * InternVL's DropoutNTP: for items with a chosen answer (open-ended ones, whose correctness no rule can
 * check), cut the chosen answer after {@code floor(startRatio * n)} of its {@code n} tokens and let the model
 * continue it <em>without the image</em> (the prompt's {@code <image>} placeholders removed, no tiles); the
 * kept start plus the continuation is the rejected answer, which is then likely to hallucinate. The pair
 * keeps the original prompt and images.
 *
 * <p>An item is dropped when its answer is too short to cut (the cut would keep nothing or everything:
 * {@code dropped_too_short}) or the continuation reproduces the chosen answer (equal after
 * {@link Rewards#normalize}: {@code dropped_same_as_chosen}). The answer's tokens are its text encoded
 * without special tokens ({@code encoder}, default the model's tokenizer). Sampling defaults to greedy, 512 new
 * tokens; item {@code i} of the input is keyed {@code i} for sampled continuations.
 */
public final class DropoutNtpPairs extends PairPipeline<DropoutNtpPairs> {
    private double startRatio = 0.5;
    private Function<String, long[]> encoder;

    private DropoutNtpPairs(CausalLm model) { super(model, SamplingConfig.greedy(512)); }

    private DropoutNtpPairs(DropoutNtpPairs other) {
        super(other);
        this.startRatio = other.startRatio;
        this.encoder = other.encoder;
    }

    @Override
    DropoutNtpPairs copy() { return new DropoutNtpPairs(this); }

    @Override
    String methodSettings() { return "start_ratio " + startRatio + (encoder == null ? "" : ", own encoder"); }

    /** The pipeline over {@code model}, with the defaults. */
    public static DropoutNtpPairs of(CausalLm model) { return new DropoutNtpPairs(model); }

    /** Share of the chosen answer's tokens kept before the model continues (InternVL's {@code start_ratio}, default 0.5). */
    public DropoutNtpPairs startRatio(double v) {
        if (!(v > 0 && v < 1)) {
            throw new IllegalArgumentException("start_ratio must be in (0, 1), got " + v);
        }
        return change(p -> p.startRatio = v);
    }

    /** Answer text to token ids, without special tokens (default: the model's tokenizer). */
    public DropoutNtpPairs encoder(Function<String, long[]> e) { return change(p -> p.encoder = e); }

    /** How many of {@code n} answer tokens are kept: {@code floor(startRatio * n)}. */
    public int cut(int n) { return (int) Math.floor(startRatio * n); }

    private Function<String, long[]> answerEncoder() {
        if (encoder != null) {
            return encoder;
        }
        return model.tokenizer().<Function<String, long[]>>map(t -> text -> t.encode(text, false)).orElseThrow(() ->
                new IllegalArgumentException("the model has no tokenizer: call encoder(text -> ids)"));
    }

    /** Cuts, continues without the image, and pairs. */
    public GeneratedPairs run(List<PreferencePair> items) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String k : List.of("items", "kept", "dropped_too_short", "dropped_same_as_chosen")) {
            counts.put(k, 0);
        }
        counts.put("items", items.size());
        Function<String, long[]> encode = answerEncoder();
        Function<long[], String> decode = textDecoder();
        List<PreferencePair> out = new ArrayList<>();
        long start = System.nanoTime();
        for (int from = 0; from < items.size(); from += batchSize()) {
            List<PreferencePair> batch = items.subList(from, Math.min(items.size(), from + batchSize()));
            List<PreferencePair> cuttable = new ArrayList<>();
            List<long[]> kept = new ArrayList<>();
            List<Integer> index = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                long[] answer = encode.apply(batch.get(i).chosen());
                int cut = cut(answer.length);
                if (cut < 1 || cut >= answer.length) {
                    counts.merge("dropped_too_short", 1, Integer::sum);
                    continue;
                }
                cuttable.add(batch.get(i));
                kept.add(Arrays.copyOf(answer, cut));
                index.add(from + i);
            }
            if (!cuttable.isEmpty()) {
                EncodedPrompts prompts = EncodedPrompts.of(cuttable.stream().map(DropoutNtpPairs::withoutImages).toList(), promptCollator());
                List<PromptTokens> keyed = new ArrayList<>();
                for (int i = 0; i < cuttable.size(); i++) {
                    keyed.add(new PromptTokens(index.get(i), concat(prompts.ids()[i], kept.get(i))));
                }
                List<SampledCompletion> continuations = sample(keyed, null, 1);
                for (int i = 0; i < cuttable.size(); i++) {
                    PreferencePair item = cuttable.get(i);
                    String rejected = decode.apply(concat(kept.get(i), withoutEos(continuations.get(i))));
                    if (Rewards.normalize(rejected).equals(Rewards.normalize(item.chosen()))) {
                        counts.merge("dropped_same_as_chosen", 1, Integer::sum);
                        continue;
                    }
                    counts.merge("kept", 1, Integer::sum);
                    out.add(new PreferencePair(item.prompt(), item.chosen(), rejected, item.images(), item.source(), item.imageOptions()));
                }
            }
            progress(Math.min(items.size(), from + batchSize()), items.size(), start, counts);
        }
        return new GeneratedPairs(out, counts);
    }

    /** The item as a text-only question: no images, every {@code <image>} placeholder (and its line break) removed. */
    static PreferencePair withoutImages(PreferencePair p) {
        List<ChatMessage> prompt = p.prompt().stream()
                .map(m -> new ChatMessage(m.role(), m.content().replace("<image>\n", "").replace("<image>", "")))
                .toList();
        return new PreferencePair(prompt, p.chosen(), null, List.of(), p.source(), p.imageOptions());
    }

    /** The continuation's tokens without a final end token (it ends the turn, not the answer). */
    private static long[] withoutEos(SampledCompletion c) {
        long[] ids = c.tokenIds();
        return c.finishReason() == mpo4j.generate.FinishReason.EOS_TOKEN ? Arrays.copyOf(ids, ids.length - 1) : ids;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
