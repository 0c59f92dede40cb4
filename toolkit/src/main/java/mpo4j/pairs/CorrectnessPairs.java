package mpo4j.pairs;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import mpo4j.data.PreferencePair;
import mpo4j.generate.PromptTokens;
import mpo4j.generate.SampledCompletion;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.CausalLm;
import mpo4j.rl.EncodedPrompts;

/**
 * InternVL's correctness-based pair pipeline: for each question with a known answer (the item's
 * {@code chosen}), sample {@code numGenerations} responses, judge each ({@link AnswerJudge}: extract the
 * answer, compare), and pair every correct response with every incorrect one, at most
 * {@code numPairsPerKey} per question (InternVL's {@code --num-pairs-per-key}, default 15; when there are
 * more, a seeded random subset, kept in pairing order).
 *
 * <p>As in InternVL's {@code build_pairs_based_on_pos_neg}: a pair is skipped when the correct response's
 * extracted answer occurs (ignoring case) inside the incorrect one's (it may state the right answer too),
 * unless {@code allowEntailment}; pairs with the same two texts count once. Responses that state no answer
 * are neither side. A question is dropped when all its judged responses are correct
 * ({@code dropped_all_correct}), all wrong ({@code dropped_all_incorrect}), none states an answer
 * ({@code dropped_unjudged}), or the entailment rule leaves no pair ({@code dropped_no_pair}).
 *
 * <p>Responses come from the sampling settings (default TRL's: temperature 1, no top-k, 512 new tokens) with
 * the question's index in the input list as its key, so the output depends on the seed only, not on
 * {@code batchSize}.
 */
public final class CorrectnessPairs extends PairPipeline<CorrectnessPairs> {
    private int numGenerations = 8;
    private int numPairsPerKey = 15;
    private AnswerJudge judge = AnswerJudge.normalized();
    private boolean allowEntailment;

    private CorrectnessPairs(CausalLm model) { super(model, SamplingConfig.trlDefaults()); }

    private CorrectnessPairs(CorrectnessPairs other) {
        super(other);
        this.numGenerations = other.numGenerations;
        this.numPairsPerKey = other.numPairsPerKey;
        this.judge = other.judge;
        this.allowEntailment = other.allowEntailment;
    }

    @Override
    CorrectnessPairs copy() { return new CorrectnessPairs(this); }

    @Override
    String methodSettings() {
        return "num_generations " + numGenerations + ", num_pairs_per_key " + numPairsPerKey + ", judge " + judge
                + ", allow_entailment " + allowEntailment;
    }

    /** The pipeline over {@code model}, with the defaults. */
    public static CorrectnessPairs of(CausalLm model) { return new CorrectnessPairs(model); }

    /** Responses sampled per question (default 8); at least 2, one to be right and one wrong. */
    public CorrectnessPairs numGenerations(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("num_generations must be >= 2 (a pair needs a right and a wrong response), got " + n);
        }
        return change(p -> p.numGenerations = n);
    }

    /** The most pairs per question (InternVL default 15). */
    public CorrectnessPairs numPairsPerKey(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("num_pairs_per_key must be >= 1, got " + n);
        }
        return change(p -> p.numPairsPerKey = n);
    }

    /** How responses are judged (default {@link AnswerJudge#normalized()}). */
    public CorrectnessPairs judge(AnswerJudge j) {
        if (j == null) {
            throw new IllegalArgumentException("judge must be an AnswerJudge, got null");
        }
        return change(p -> p.judge = j);
    }

    /** Keep pairs whose wrong answer contains the right one (InternVL's {@code allow_entailment}, default false). */
    public CorrectnessPairs allowEntailment(boolean on) { return change(p -> p.allowEntailment = on); }

    /**
     * Samples, judges and pairs.
     *
     * @param questions items whose prompt and images are asked and whose {@code chosen} is the known answer
     */
    public GeneratedPairs run(List<PreferencePair> questions) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String k : List.of("items", "kept", "dropped_all_correct", "dropped_all_incorrect", "dropped_unjudged",
                "dropped_no_pair", "responses", "correct", "incorrect", "unjudged", "entailment_skipped")) {
            counts.put(k, 0);
        }
        counts.put("items", questions.size());
        List<PreferencePair> out = new ArrayList<>();
        long start = System.nanoTime();
        for (int from = 0; from < questions.size(); from += batchSize()) {
            List<PreferencePair> batch = questions.subList(from, Math.min(questions.size(), from + batchSize()));
            List<SampledCompletion> responses;
            try (NDManager scope = scope()) {
                EncodedPrompts prompts = EncodedPrompts.of(batch, promptCollator());
                List<PromptTokens> keyed = new ArrayList<>();
                for (int q = 0; q < batch.size(); q++) {
                    keyed.add(new PromptTokens(from + q, prompts.ids()[q]));
                }
                responses = sample(keyed, prompts.perPrompt(scope), numGenerations);
            }
            for (int q = 0; q < batch.size(); q++) {
                List<String> texts = new ArrayList<>(numGenerations);
                for (int g = 0; g < numGenerations; g++) {
                    texts.add(responses.get(q * numGenerations + g).text());
                }
                out.addAll(pairsOf(batch.get(q), texts, from + q, counts));
            }
            progress(Math.min(questions.size(), from + batchSize()), questions.size(), start, counts);
        }
        return new GeneratedPairs(out, counts);
    }

    /**
     * The pairs of one question from its responses' texts (in sampling order), tallying into {@code counts};
     * {@code key} seeds the subset drawn when there are more than {@code numPairsPerKey} pairs.
     */
    List<PreferencePair> pairsOf(PreferencePair question, List<String> responses, long key, Map<String, Integer> counts) {
        List<String> right = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<String> rightAnswers = new ArrayList<>();
        List<String> wrongAnswers = new ArrayList<>();
        for (String response : responses) {
            counts.merge("responses", 1, Integer::sum);
            String extracted = judge.extract(response);
            if (extracted == null) {
                counts.merge("unjudged", 1, Integer::sum);
            } else if (judge.matches(extracted, question.chosen())) {
                counts.merge("correct", 1, Integer::sum);
                right.add(response);
                rightAnswers.add(extracted);
            } else {
                counts.merge("incorrect", 1, Integer::sum);
                wrong.add(response);
                wrongAnswers.add(extracted);
            }
        }
        if (right.isEmpty() && wrong.isEmpty()) {
            counts.merge("dropped_unjudged", 1, Integer::sum);
            return List.of();
        }
        if (wrong.isEmpty()) {
            counts.merge("dropped_all_correct", 1, Integer::sum);
            return List.of();
        }
        if (right.isEmpty()) {
            counts.merge("dropped_all_incorrect", 1, Integer::sum);
            return List.of();
        }
        Set<List<String>> distinct = new LinkedHashSet<>();
        for (int i = 0; i < right.size(); i++) {
            for (int j = 0; j < wrong.size(); j++) {
                String r = rightAnswers.get(i).toLowerCase(Locale.ROOT);
                if (!allowEntailment && wrongAnswers.get(j).toLowerCase(Locale.ROOT).contains(r)) {
                    counts.merge("entailment_skipped", 1, Integer::sum);
                    continue;
                }
                distinct.add(List.of(right.get(i), wrong.get(j)));
            }
        }
        if (distinct.isEmpty()) {
            counts.merge("dropped_no_pair", 1, Integer::sum);
            return List.of();
        }
        List<List<String>> chosen = new ArrayList<>(distinct);
        if (chosen.size() > numPairsPerKey) {
            // a seeded subset, as InternVL's random.sample, then back in pairing order
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < chosen.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(sampling().seed() * 1_000_003L + key));
            List<Integer> keep = new ArrayList<>(order.subList(0, numPairsPerKey));
            keep.sort(Comparator.naturalOrder());
            List<List<String>> subset = new ArrayList<>();
            for (int i : keep) {
                subset.add(chosen.get(i));
            }
            chosen = subset;
        }
        counts.merge("kept", 1, Integer::sum);
        List<PreferencePair> pairs = new ArrayList<>(chosen.size());
        for (List<String> pair : chosen) {
            pairs.add(new PreferencePair(question.prompt(), pair.get(0), pair.get(1), question.images(), question.source(),
                    question.imageOptions()));
        }
        return pairs;
    }
}
