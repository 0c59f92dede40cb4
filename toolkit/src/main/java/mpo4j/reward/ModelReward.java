package mpo4j.reward;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;
import mpo4j.data.RewardPair;
import mpo4j.data.Source;
import mpo4j.online.RewardFunction;
import mpo4j.online.RewardInputs;

/**
 * A trained reward model as an online trainer's reward function (TRL passes a reward model among its
 * {@code reward_funcs} the same way): each completion's score is the model's unscaled score under one head,
 * in (0, 1), for the prompt's question, the completion as the response and the prompt's images.
 *
 * <p>The reward model reads pairs, so completions are scored two at a time (completion {@code 2i} as
 * response 0, {@code 2i+1} as response 1, when both answer the same prompt; otherwise a completion is paired
 * with itself): a response's score does not depend on the other response of its pair, and pairing halves
 * the forward passes. The prompt is the
 * question alone, as a single user turn (what {@link RewardInputs#prompts()} holds); images come from the
 * {@code images} column when the inputs have one (the online trainers fill it).
 */
final class ModelReward implements RewardFunction {
    private static final String IMAGES = "images";

    private final RewardModel model;
    private final String head;

    ModelReward(RewardModel model, String head) {
        if (!model.heads().contains(head)) {
            throw new IllegalArgumentException("the reward model has no head '" + head + "'; heads: " + model.heads());
        }
        if (model.collator() == null) {
            throw new IllegalArgumentException("the reward model needs a collator to score completions: build it with .tokenizer(...) or .collator(...)");
        }
        this.model = model;
        this.head = head;
    }

    @Override
    public List<Double> score(RewardInputs in) {
        List<RewardPair> pairs = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();   // per pair: the completion indices of response 0 and response 1
        for (int i = 0; i < in.size(); ) {
            boolean twoOfOnePrompt = i + 1 < in.size() && in.prompts().get(i).equals(in.prompts().get(i + 1))
                    && images(in, i).equals(images(in, i + 1));
            int second = twoOfOnePrompt ? i + 1 : i;   // a lone completion is paired with itself
            pairs.add(new RewardPair(List.of(ChatMessage.user(in.prompts().get(i))), in.completions().get(i),
                    in.completions().get(second), images(in, i), Map.of(), new Source("completions", i + 1)));
            rows.add(new int[] {i, second});
            i = second + 1;
        }
        List<RewardModel.PairScores> scores = model.scoreAll(pairs);
        Double[] out = new Double[in.size()];
        for (int p = 0; p < pairs.size(); p++) {
            out[rows.get(p)[0]] = scores.get(p).scores0().get(head);
            out[rows.get(p)[1]] = scores.get(p).scores1().get(head);
        }
        return List.of(out);
    }

    /** What a notebook or JShell prints for the function. */
    @Override
    public String toString() {
        return "RewardModel reward (head " + head + ", scores in (0, 1))";
    }

    /** The images of completion {@code i}: the {@code images} column's paths, or none. */
    private static List<Path> images(RewardInputs in, int i) {
        if (!in.columns().containsKey(IMAGES)) {
            return List.of();
        }
        Object value = in.columns().get(IMAGES).get(i);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("column 'images' of completion " + i + " must be a list of paths, got " + value.getClass().getSimpleName());
        }
        List<Path> paths = new ArrayList<>();
        for (Object o : list) {
            paths.add(o instanceof Path p ? p : Path.of(o.toString()));
        }
        return paths;
    }
}
