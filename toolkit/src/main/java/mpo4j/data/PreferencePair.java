package mpo4j.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * @param tools    the tool JSON schemas the chat template lists (TRL's {@code tools} column), or
 *                 {@code null} when the example has none (the template then sees None)
 * @param chosenToolCalls   the tool calls of the chosen answer ({@code tool_calls}); empty when none
 * @param rejectedToolCalls the tool calls of the rejected answer; empty when none
 */
public record PreferencePair(
        List<ChatMessage> prompt,
        String chosen,
        String rejected,
        List<Path> images,
        Source source,
        ImageOptions imageOptions,
        List<Map<String, Object>> tools,
        List<Map<String, Object>> chosenToolCalls,
        List<Map<String, Object>> rejectedToolCalls) {

    public PreferencePair {
        prompt = List.copyOf(prompt);
        images = List.copyOf(images);
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(source, "source");
        imageOptions = imageOptions == null ? ImageOptions.DEFAULT : imageOptions;
        tools = tools == null ? null : List.copyOf(tools);
        chosenToolCalls = chosenToolCalls == null ? List.of() : List.copyOf(chosenToolCalls);
        rejectedToolCalls = rejectedToolCalls == null ? List.of() : List.copyOf(rejectedToolCalls);
    }

    /** A pair without tools or tool calls. */
    public PreferencePair(List<ChatMessage> prompt, String chosen, String rejected, List<Path> images, Source source,
                          ImageOptions imageOptions) {
        this(prompt, chosen, rejected, images, source, imageOptions, null, List.of(), List.of());
    }

    /** The chosen answer as an assistant turn, with its tool calls. */
    public ChatMessage chosenMessage() { return ChatMessage.assistant(chosen, chosenToolCalls); }

    /** The rejected answer as an assistant turn, with its tool calls ({@code null} for a generation prompt). */
    public ChatMessage rejectedMessage() { return rejected == null ? null : ChatMessage.assistant(rejected, rejectedToolCalls); }

    /** Whether the example uses tool calling: a {@code tools} column, tool calls, or {@code tool} turns. */
    public boolean usesTools() {
        return tools != null || !chosenToolCalls.isEmpty() || !rejectedToolCalls.isEmpty()
                || prompt.stream().anyMatch(m -> m.hasToolCalls() || m.role().equals("tool"));
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
            sb.append("\n  ").append(m.role()).append(": ").append(m.content().replace("\n", "\n        "))
                    .append(m.hasToolCalls() ? " tool_calls=" + m.toolCalls() : "");
        }
        sb.append("\n  chosen:   ").append(chosen).append(chosenToolCalls.isEmpty() ? "" : " tool_calls=" + chosenToolCalls);
        sb.append("\n  rejected: ").append(rejected).append(rejectedToolCalls.isEmpty() ? "" : " tool_calls=" + rejectedToolCalls);
        if (tools != null) {
            sb.append("\n  tools: ").append(tools.size());
        }
        return sb.toString();
    }
}
