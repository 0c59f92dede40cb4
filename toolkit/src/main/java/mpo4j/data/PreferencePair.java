package mpo4j.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One preference example, whatever format it was read from (MMPR JSONL, TRL standard or
 * conversational, explicit or implicit prompt).
 *
 * @param prompt   the conversation up to the answer; the last message is the user's turn. Image
 *                 placeholders ({@code <image>}) stay in the text, one per entry of {@code images}.
 * @param chosen   the preferred assistant answer
 * @param rejected the dispreferred assistant answer ({@code null} only for generation prompts)
 * @param images   resolved image files, in placeholder order; empty for text-only pairs
 * @param source   file and line this pair was read from
 * @param imageOptions per-dataset tiling/augmentation settings
 */
public record PreferencePair(
        List<ChatMessage> prompt,
        String chosen,
        String rejected,
        List<Path> images,
        Source source,
        ImageOptions imageOptions) {

    public PreferencePair {
        prompt = List.copyOf(prompt);
        images = List.copyOf(images);
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(source, "source");
        imageOptions = imageOptions == null ? ImageOptions.DEFAULT : imageOptions;
    }

    /** A single-turn pair: the question is the user message. */
    public static PreferencePair of(String question, String chosen, String rejected, List<Path> images, Source source) {
        return new PreferencePair(List.of(ChatMessage.user(question)), chosen, rejected, images, source, ImageOptions.DEFAULT);
    }

    /** The text of the last user turn (the question, with its {@code <image>} placeholders). */
    public String question() {
        for (int i = prompt.size() - 1; i >= 0; i--) {
            if (prompt.get(i).role().equals("user")) {
                return prompt.get(i).content();
            }
        }
        return "";
    }

    /** The file name of each image (for display). */
    private String imageNames() {
        return images.stream().map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.joining(", "));
    }

    /** A readable multi-line view: where it came from, the prompt turns, both answers. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PreferencePair ").append(source);
        sb.append(images.isEmpty() ? " (text only)" : " [" + images.size() + (images.size() == 1 ? " image: " : " images: ") + imageNames() + "]");
        if (imageOptions.maxDynamicPatch() != null || imageOptions.augment()) {
            sb.append(" max_dynamic_patch=").append(imageOptions.maxDynamicPatch()).append(imageOptions.augment() ? " augment" : "");
        }
        for (ChatMessage m : prompt) {
            sb.append("\n  ").append(m.role()).append(": ").append(m.content().replace("\n", "\n        "));
        }
        sb.append("\n  chosen:   ").append(chosen);
        sb.append("\n  rejected: ").append(rejected);
        return sb.toString();
    }
}
