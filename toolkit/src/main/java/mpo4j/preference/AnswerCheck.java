package mpo4j.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.generate.Generator;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.CausalLm;
import mpo4j.text.Tokenizer;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import mpo4j.text.Labels;

/**
 * Greedy answers of a model to held-out questions, compared with the chosen answers: the
 * "does it actually answer better?" check next to the reward metrics.
 */
public final class AnswerCheck {
    private static final int BATCH = 16;

    private final List<PreferencePair> pairs;
    private final List<String> answers;

    private AnswerCheck(List<PreferencePair> pairs, List<String> answers) {
        this.pairs = List.copyOf(pairs);
        this.answers = List.copyOf(answers);
    }

    /** Generates up to 8 tokens per question, greedily, in batches that share one decoding loop. */
    public static AnswerCheck greedy(CausalLm model, InternVlCollator collator, List<PreferencePair> pairs) {
        return generate(model, collator, pairs, SamplingConfig.greedy(8));
    }

    /**
     * Answers generated as {@code how} says (greedy or sampled; stopping at the model's end id unless
     * {@code how} names eos ids), in batches of 16 questions.
     */
    public static AnswerCheck generate(CausalLm model, InternVlCollator collator, List<PreferencePair> pairs, SamplingConfig how) {
        Tokenizer tokenizer = collator.tokenizer();
        long eos = model.tokens().eos();
        List<String> answers = new ArrayList<>(pairs.size());
        for (int from = 0; from < pairs.size(); from += BATCH) {
            List<PreferencePair> chunk = pairs.subList(from, Math.min(pairs.size(), from + BATCH));
            PreferenceBatch batch = collator.collate(chunk);
            try (NDManager scope = model.manager().newSubManager()) {
                List<long[]> prompts = new ArrayList<>(chunk.size());
                List<NDArray> pixels = new ArrayList<>(chunk.size());
                NDArray all = batch.pixelValues(scope);
                for (int p = 0; p < chunk.size(); p++) {
                    prompts.add(promptOf(batch.chosen(), p));
                    int t0 = batch.tileOffsets()[p];
                    int t1 = batch.tileOffsets()[p + 1];
                    pixels.add(t1 == t0 ? null : all.get(t0 + ":" + t1));
                }
                for (long[] out : Generator.of(model).generate(prompts, pixels, how)) {
                    int end = 0;
                    while (end < out.length && out[end] != eos) {
                        end++;
                    }
                    answers.add(tokenizer.decode(Arrays.copyOf(out, end)).trim());
                }
            }
        }
        return new AnswerCheck(pairs, answers);
    }

    /** The prompt of row {@code r}: every token before the first trained label (the answer). */
    private static long[] promptOf(SequenceBatch rows, int r) {
        int length = 0;
        while (length < rows.lengths()[r] && rows.label(r, length) == Labels.IGNORE) {
            length++;
        }
        return Arrays.copyOfRange(rows.inputIds(), r * rows.length(), r * rows.length() + length);
    }

    public List<String> answers() { return answers; }

    public boolean correct(int i) { return answers.get(i).equals(pairs.get(i).chosen().trim()); }

    /** Share of questions whose greedy answer equals the chosen answer exactly (after trimming). */
    public double accuracy() {
        if (pairs.isEmpty()) {
            return Double.NaN;
        }
        int n = 0;
        for (int i = 0; i < pairs.size(); i++) {
            n += correct(i) ? 1 : 0;
        }
        return (double) n / pairs.size();
    }

    /**
     * Accuracy per source file (file name only, in first-seen order): which kinds of question the model
     * answers and which it only guesses.
     */
    public Map<String, Double> accuracyByFile() {
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            int[] c = counts.computeIfAbsent(Path.of(pairs.get(i).source().file()).getFileName().toString(), k -> new int[2]);
            c[0] += correct(i) ? 1 : 0;
            c[1]++;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        counts.forEach((file, c) -> out.put(file, (double) c[0] / c[1]));
        return out;
    }

    /** One row per question: source, question, chosen, rejected, the model's answer, and whether it matches. */
    public Table table() {
        StringColumn source = StringColumn.create("source");
        StringColumn question = StringColumn.create("question");
        StringColumn chosen = StringColumn.create("chosen");
        StringColumn answer = StringColumn.create("answer");
        BooleanColumn ok = BooleanColumn.create("correct");
        for (int i = 0; i < pairs.size(); i++) {
            PreferencePair p = pairs.get(i);
            source.append(p.source().toString());
            question.append(p.question().replace("\n", "\\n"));
            chosen.append(p.chosen());
            answer.append(answers.get(i));
            ok.append(correct(i));
        }
        return Table.create(String.format("greedy answers (accuracy %.3f)", accuracy()), source, question, chosen, answer, ok);
    }

    @Override
    public String toString() {
        return String.format("AnswerCheck: %d questions, accuracy %.3f", pairs.size(), accuracy());
    }
}
