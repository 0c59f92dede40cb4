package mpo4j.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One reward-model example: two responses to the same prompt and a label per head: {@code A} (input0
 * preferred), {@code B} (input1 preferred), anything else is a tie {@code C}. A head without a label
 * may be given as {@code null}; it is stored as {@link #NO_LABEL} (the empty string), which the
 * reward losses read the same way.
 */
public record RewardPair(
        List<ChatMessage> prompt,
        String response0,
        String response1,
        List<Path> images,
        Map<String, String> labels,
        Source source) {

    /** The label of a head that has none for this pair. */
    public static final String NO_LABEL = "";

    public RewardPair {
        prompt = List.copyOf(prompt);
        images = List.copyOf(images);
        java.util.Map<String, String> copy = new java.util.LinkedHashMap<>();
        labels.forEach((head, label) -> copy.put(head, label == null ? NO_LABEL : label));
        labels = Map.copyOf(copy);
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

    /** A readable multi-line view: where it came from, the prompt, both responses and the labels. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RewardPair ").append(source);
        sb.append(images.isEmpty() ? " (text only)" : " [" + images.size() + (images.size() == 1 ? " image]" : " images]"));
        for (ChatMessage m : prompt) {
            sb.append("\n  ").append(m.role()).append(": ").append(m.content());
        }
        sb.append("\n  response0: ").append(response0);
        sb.append("\n  response1: ").append(response1);
        sb.append("\n  labels: ").append(Tables.labelText(labels));
        return sb.toString();
    }
}
