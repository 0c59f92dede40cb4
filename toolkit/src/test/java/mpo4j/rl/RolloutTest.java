package mpo4j.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.generate.SampledCompletion;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.model.TokenIds;
import mpo4j.online.CompletionTensors;
import mpo4j.online.NamedReward;
import mpo4j.online.WeightedRewards;
import mpo4j.text.Labels;
import org.junit.jupiter.api.Test;

/** Image prompts end to end: sampled through the KV cache, re-scored by one full forward with the same tiles. */
class RolloutTest {

    private static TinyVlmConfig config() {
        TinyVlmConfig tiny = TinyVlmConfig.tinyVlm();
        return tiny.withVision(tiny.vision().withLayers(1).withWidth(32, 2, 64)).withText(tiny.text().withLayers(2).withSize(64, 2, 128));
    }

    /** One random tile per pair (seeded by its question), prompt = {@code <img>}, the tile's tokens, {@code </img>}, the question's characters. */
    private static Function<List<PreferencePair>, PreferenceBatch> collator(TinyVlmConfig config) {
        TokenIds ids = config.tokens();
        int size = config.vision().tileSize();
        return pairs -> {
            int n = pairs.size();
            List<long[]> rows = new ArrayList<>();
            int[] promptLengths = new int[n];
            for (int p = 0; p < n; p++) {
                List<Long> row = new ArrayList<>(List.of((long) ids.imgStart()));
                for (int i = 0; i < config.tokensPerTile(); i++) {
                    row.add((long) ids.imgContext());
                }
                row.add((long) ids.imgEnd());
                pairs.get(p).question().chars().forEach(c -> row.add(10L + c));
                promptLengths[p] = row.size();
                row.add(ids.eos() + 0L);
                rows.add(row.stream().mapToLong(Long::longValue).toArray());
            }
            int width = rows.stream().mapToInt(r -> r.length).max().orElse(1);
            long[] input = new long[n * width];
            long[] labels = new long[n * width];
            int[] lengths = new int[n];
            Arrays.fill(input, ids.pad());
            Arrays.fill(labels, Labels.IGNORE);
            for (int r = 0; r < n; r++) {
                lengths[r] = rows.get(r).length;
                System.arraycopy(rows.get(r), 0, input, r * width, lengths[r]);
                labels[r * width + promptLengths[r]] = ids.eos();
            }
            SequenceBatch seq = new SequenceBatch(n, width, input, labels, lengths, ids.pad());
            float[] pixels = new float[n * 3 * size * size];
            for (int p = 0; p < n; p++) {
                Random random = new Random(pairs.get(p).question().hashCode());
                for (int i = 0; i < 3 * size * size; i++) {
                    pixels[p * 3 * size * size + i] = (float) random.nextGaussian();
                }
            }
            int[] offsets = new int[n + 1];
            Arrays.setAll(offsets, i -> i);
            int[] flags = new int[n];
            Arrays.fill(flags, 1);
            return new PreferenceBatch(seq, seq, pixels, n, size, flags, offsets, pairs.stream().map(PreferencePair::source).toList(), null, null);
        };
    }

    @Test
    void imagePromptCompletionsScoreAsTheyWereSampled() {
        TinyVlmConfig config = config();
        List<PreferencePair> pairs = List.of(
                PreferencePair.of("<image>\nwhat colour?", "red", null, List.of(Path.of("a.png")), new Source("p.jsonl", 1)),
                PreferencePair.of("<image>\nhow many?", "3", null, List.of(Path.of("b.png")), new Source("p.jsonl", 2)));
        OnlineSetup setup = new OnlineSetup(
                SamplingConfig.trlDefaults().temperature(1.3).maxNewTokens(5).eosTokenIds(List.of((long) config.tokens().eos())),
                7, 3, 1, 1, false, new WeightedRewards(List.of(NamedReward.of("answer_length",
                        in -> in.column("answer").stream().map(a -> (double) a.toString().length()).toList()))),
                collator(config), null, 1);
        try (TinyVlm model = TinyVlm.builder(config).seed(11).build(); NDManager scope = model.manager().newSubManager()) {
            Rollout r = Rollout.sample(model, setup, new PromptBatch(new int[] {0, 1}, pairs), 0, scope);
            assertEquals(6, r.rows());
            // the answer column reaches the reward functions, repeated per completion: "red" x3, "3" x3
            assertEquals(List.of(3.0, 3.0, 3.0, 1.0, 1.0, 1.0), Arrays.stream(r.scores().rewards()).boxed().toList());
            CompletionTensors tensors = r.tensors(model, false, scope);
            float[] full = r.logps(model, tensors, 1.3, false, scope).logps().toFloatArray();
            int width = Math.toIntExact(tensors.ids().getShape().get(1));
            for (int i = 0; i < r.rows(); i++) {
                SampledCompletion c = r.completions().get(i);
                double[] cached = c.modelLogprobs();
                for (int t = 0; t < c.length(); t++) {
                    // the cached sampler leaves <IMG_CONTEXT> out of its softmax (measured max difference 5.4e-4); giving
                    // the rows each other's tiles moves the log-probs by up to 0.09 (measured), so the tiles are wired right
                    assertEquals(cached[t], full[i * width + t], 1.5e-3, "row " + i + " token " + t);
                }
            }
            assertTrue(r.completions().stream().allMatch(c -> Arrays.stream(c.tokenIds()).noneMatch(t -> t == config.tokens().imgContext())));
        }
    }
}
