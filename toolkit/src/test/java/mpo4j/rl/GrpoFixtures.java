package mpo4j.rl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.generate.CausalLmLogits;
import mpo4j.generate.CompletionGenerator;
import mpo4j.generate.PromptTokens;
import mpo4j.generate.SampledCompletion;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.model.TokenIds;
import mpo4j.online.RewardFunction;
import mpo4j.text.Labels;

/**
 * A text-only tiny model with a 32-token vocabulary (so a random policy emits any one token with
 * probability about 1/32 and a reward on one token has signal from the first step), prompts "q0", "q1",
 * ... and a collator that maps each character to one token.
 */
public final class GrpoFixtures {
    static {
        Mpo4jEngine.ensureOffline();
    }

    /** The token the reward prefers. */
    public static final long TARGET = 7;
    public static final TokenIds IDS = new TokenIds(31, 29, 30, 27, 28);

    private GrpoFixtures() {}

    public static TinyVlm model(long seed) {
        TinyVlmConfig base = TinyVlmConfig.tinyVlm();
        // the special ids move into the small vocabulary before the vocabulary shrinks (the config checks they fit)
        TinyVlmConfig c = base.textOnly().withTokenizerIds(IDS).withText(base.text().withLayers(2).withSize(64, 2, 128).withVocabSize(32));
        return TinyVlm.builder(c).seed(seed).build();
    }

    public static List<PreferencePair> prompts(int n) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PreferencePair.of("q" + i, "a", null, List.<Path>of(), new Source("prompts.jsonl", i + 1)));
        }
        return out;
    }

    /** Share of a completion's tokens that are {@link #TARGET}. */
    static RewardFunction targetShare() {
        return in -> in.completionIds().stream().map(ids -> Arrays.stream(ids).filter(t -> t == TARGET).count() / (double) ids.length).toList();
    }

    /** Characters to tokens 1..20 (below the special ids and {@link #TARGET}'s neighbours are allowed: it is only a prompt). */
    public static long token(char c) { return 1 + c % 20; }

    /** Mean share of tokens matching {@code wanted} over 4 prompts x 16 completions sampled at temperature 1 with a fixed seed. */
    static double sampledShare(TinyVlm model, java.util.function.LongPredicate wanted) {
        List<PromptTokens> prompts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            prompts.add(new PromptTokens(i, new long[] {token('q'), token((char) ('0' + i))}));
        }
        SamplingConfig how = SamplingConfig.trlDefaults().maxNewTokens(4).eosTokenIds(List.of((long) IDS.eos())).seed(99);
        List<SampledCompletion> out;
        try (CausalLmLogits logits = CausalLmLogits.of(model)) {
            out = new CompletionGenerator(how, null).generate(logits, prompts, 16);
        }
        double total = 0;
        for (SampledCompletion c : out) {
            total += Arrays.stream(c.tokenIds()).filter(wanted).count() / (double) c.length();
        }
        return total / out.size();
    }

    public static Function<List<PreferencePair>, PreferenceBatch> collator() {
        return pairs -> {
            int n = pairs.size();
            List<long[]> rows = new ArrayList<>();
            List<Integer> promptLengths = new ArrayList<>();
            for (PreferencePair p : pairs) {
                String q = p.question();
                String a = p.chosen();
                long[] row = new long[q.length() + a.length() + 1];
                for (int i = 0; i < q.length(); i++) {
                    row[i] = token(q.charAt(i));
                }
                for (int i = 0; i < a.length(); i++) {
                    row[q.length() + i] = token(a.charAt(i));
                }
                row[row.length - 1] = IDS.eos();
                rows.add(row);
                promptLengths.add(q.length());
            }
            int width = rows.stream().mapToInt(r -> r.length).max().orElse(1);
            long[] input = new long[n * width];
            long[] labels = new long[n * width];
            int[] lengths = new int[n];
            Arrays.fill(input, IDS.pad());
            Arrays.fill(labels, Labels.IGNORE);
            for (int r = 0; r < n; r++) {
                long[] row = rows.get(r);
                lengths[r] = row.length;
                System.arraycopy(row, 0, input, r * width, row.length);
                System.arraycopy(row, promptLengths.get(r), labels, r * width + promptLengths.get(r), row.length - promptLengths.get(r));
            }
            SequenceBatch seq = new SequenceBatch(n, width, input, labels, lengths, IDS.pad());
            return new PreferenceBatch(seq, seq, new float[0], 0, 1, new int[0], new int[n + 1],
                    pairs.stream().map(PreferencePair::source).toList(), null, null);
        };
    }
}
