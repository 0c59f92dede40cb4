package mpo4j.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One reward-model example: two responses to the same prompt and a label per head: {@code A} (input0
 * preferred), {@code B} (input1 preferred), anything else is a tie {@code C}.
 */
public record RewardPair(
        List<ChatMessage> prompt,
        String response0,
        String response1,
        List<Path> images,
        Map<String, String> labels,
        Source source) {

    public RewardPair {
        prompt = List.copyOf(prompt);
        images = List.copyOf(images);
        labels = Map.copyOf(labels);
    }

    /** The text of the last user turn. */
    public String question() {
        for (int i = prompt.size() - 1; i >= 0; i--) {
            if (prompt.get(i).role().equals("user")) {
                return prompt.get(i).content();
            }
        }
        return "";
    }
}
