package mpo4j.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;

/**
 * Tokenizes a prompt and one answer into ids and labels the way InternVL does:
 * each {@code <image>} becomes {@code <img>} + {@code <IMG_CONTEXT>} × (tokensPerTile · tiles) +
 * {@code </img>}; system, user and the {@code <|im_start|>assistant\n} prefix are ignored (−100);
 * the completion (everything the template writes after the generation prompt: the answer, for Qwen3
 * after an empty think block) is trained through its {@code eos_token}; the trailing {@code \n} is ignored.
 *
 * <p>Prompt and completion are tokenized on their own, as TRL does, so the label boundary is exact
 * whatever BPE would do across it.
 *
 * @param tokensPerTile {@code (tile/patch)^2 * downsample^2}: 256 for 448/14/0.5, 16 for 64/8/0.5
 * @param maxSeqLength  longest sequence kept, or {@code <= 0} for no limit
 */
public record PairEncoder(Tokenizer tokenizer, ChatTemplate template, int tokensPerTile, int maxSeqLength, Truncation truncation) {
    /** The image placeholder in prompt text. */
    public static final String IMAGE = "<image>";

    public PairEncoder {
        if (tokensPerTile < 1) {
            throw new IllegalArgumentException("tokensPerTile must be positive: " + tokensPerTile);
        }
    }

    /**
     * @param tilesPerImage tiles (thumbnail included) of each image, in placeholder order
     * @throws IllegalArgumentException naming {@code source} when placeholders and images disagree,
     *         truncation would cut an image span, or no trained token is left
     */
    public EncodedSequence encode(List<ChatMessage> prompt, String answer, int[] tilesPerImage, Source source) {
        return encode(prompt, List.of(answer), tilesPerImage, source).get(0);
    }

    /**
     * Encodes several answers to one prompt (a pair's chosen and rejected), rendering and
     * tokenizing the prompt once.
     */
    public List<EncodedSequence> encode(List<ChatMessage> prompt, List<String> answers, int[] tilesPerImage, Source source) {
        List<Map<String, Object>> replies = new ArrayList<>();
        for (String answer : answers) replies.add(ChatInput.message("assistant", answer));
        return encode(ChatInput.of(withPlaceholder(prompt, tilesPerImage.length)), replies, tilesPerImage, source);
    }

    /**
     * Encodes a pair's chosen and rejected answers as TRL's {@code DPOTrainer} tokenizes a
     * conversational example: the prompt is {@link ChatInput#prompt(PreferencePair)} (its turns with their
     * tool calls and {@code tool} turns, and {@code tools=} its schemas), after InternVL's single-image
     * placeholder rule; each answer is the assistant message with its tool calls
     * ({@link ChatInput#message(ChatMessage)} of {@code chosenMessage()} / {@code rejectedMessage()}),
     * and its completion is the text the template writes after the prompt.
     *
     * @param tilesPerImage tiles (thumbnail included) of each of the pair's images, in placeholder order
     * @return the chosen row, then the rejected row
     * @throws IllegalArgumentException naming the pair's source as {@link #encode(List, String, int[], Source)}
     *         does, when the pair has no rejected answer, or when the template cannot render the pair's tool
     *         calling fields (naming them) — a template never drops them silently
     */
    public List<EncodedSequence> encode(PreferencePair pair, int[] tilesPerImage) {
        if (pair.rejected() == null) {
            throw new IllegalArgumentException(pair.source() + ": pair has no rejected answer (a generation prompt cannot be collated)");
        }
        List<ChatMessage> placed = withPlaceholder(pair.prompt(), tilesPerImage.length);
        PreferencePair rendered = placed == pair.prompt() ? pair : new PreferencePair(placed, pair.chosen(), pair.rejected(),
                pair.images(), pair.source(), pair.imageOptions(), pair.tools(), pair.chosenToolCalls(), pair.rejectedToolCalls());
        List<Map<String, Object>> answers = List.of(ChatInput.message(pair.chosenMessage()), ChatInput.message(pair.rejectedMessage()));
        try {
            List<EncodedSequence> rows = encodeRows(ChatInput.prompt(rendered), answers, tilesPerImage, pair.source());
            requireToolsRendered(rendered);
            return rows;
        } catch (ChatTemplateException e) {
            List<String> fields = toolFields(pair);
            if (e.raisedByTemplate() || fields.isEmpty()) {
                throw new IllegalArgumentException(pair.source() + ": " + e.getMessage(), e);
            }
            throw new IllegalArgumentException(pair.source() + ": the pair's tool calling fields " + String.join(", ", fields) + " cannot be "
                    + "rendered by " + template.getClass().getSimpleName() + " (" + e.getMessage() + "); train tool calling with a "
                    + "checkpoint whose tokenizer has a Jinja chat_template that takes tools (e.g. Qwen3), or remove these fields", e);
        }
    }

    /**
     * A Jinja template may ignore {@code tools} or {@code tool_calls} (the sample tokenizer's does, and
     * transformers then renders without them): each of the pair's schemas and tool calls must change the
     * text, else the pair would train on a conversation that silently lacks them.
     */
    private void requireToolsRendered(PreferencePair pair) {
        if (!pair.usesTools()) {
            return;
        }
        List<String> ignored = new ArrayList<>();
        ChatInput prompt = ChatInput.prompt(pair).addGenerationPrompt(true);
        String promptText = template.render(prompt);
        if (pair.tools() != null && !pair.tools().isEmpty()
                && promptText.equals(template.render(ChatInput.of(pair.prompt()).addGenerationPrompt(true)))) {
            ignored.add("tools");
        }
        for (int i = 0; i < pair.prompt().size(); i++) {
            if (pair.prompt().get(i).hasToolCalls()) {
                List<ChatMessage> without = new ArrayList<>(pair.prompt());
                without.set(i, withoutToolCalls(without.get(i)));
                ChatInput other = ChatInput.of(without).addGenerationPrompt(true);
                if (promptText.equals(template.render(pair.tools() == null ? other : other.tools(pair.tools())))) {
                    ignored.add("prompt[" + i + "].tool_calls");
                }
            }
        }
        for (String side : List.of("chosen", "rejected")) {
            ChatMessage answer = side.equals("chosen") ? pair.chosenMessage() : pair.rejectedMessage();
            if (answer.hasToolCalls() && template.render(prompt.append(ChatInput.message(answer)).addGenerationPrompt(false))
                    .equals(template.render(prompt.append(ChatInput.message(withoutToolCalls(answer))).addGenerationPrompt(false)))) {
                ignored.add(side + "[0].tool_calls");
            }
        }
        if (!ignored.isEmpty()) {
            throw new IllegalArgumentException(pair.source() + ": the pair's tool calling fields " + String.join(", ", ignored)
                    + " are ignored by the chat template (" + template.getClass().getSimpleName() + " renders the same text without "
                    + "them); train tool calling with a chat template that renders tools and tool calls (e.g. Qwen3's), or remove these fields");
        }
    }

    private static ChatMessage withoutToolCalls(ChatMessage m) {
        return new ChatMessage(m.role(), m.content(), List.of(), m.name(), m.toolCallId());
    }

    /** The tool calling fields a pair sets, named as in its TRL record: {@code tools}, {@code prompt[i].tool_calls}, ... */
    static List<String> toolFields(PreferencePair pair) {
        List<String> out = new ArrayList<>();
        if (pair.tools() != null) out.add("tools");
        for (int i = 0; i < pair.prompt().size(); i++) {
            ChatMessage m = pair.prompt().get(i);
            if (m.hasToolCalls()) out.add("prompt[" + i + "].tool_calls");
            if (m.name() != null) out.add("prompt[" + i + "].name");
            if (m.toolCallId() != null) out.add("prompt[" + i + "].tool_call_id");
        }
        if (!pair.chosenToolCalls().isEmpty()) out.add("chosen[0].tool_calls");
        if (!pair.rejectedToolCalls().isEmpty()) out.add("rejected[0].tool_calls");
        return out;
    }

    /**
     * Encodes assistant messages (which may carry {@code tool_calls}) as answers to a full
     * {@link ChatInput} prompt (tools, extra variables such as {@code enable_thinking}). Each
     * {@code <image>} in the rendered prompt is expanded; none is added for a single image here.
     *
     * @throws IllegalArgumentException naming {@code source} as {@link #encode(List, String, int[], Source)} does,
     *         when the template cannot render the prompt or an answer, or when it renders an answer so that the
     *         text no longer starts with the prompt
     */
    public List<EncodedSequence> encode(ChatInput prompt, List<? extends Map<String, ?>> answers, int[] tilesPerImage, Source source) {
        try {
            return encodeRows(prompt, answers, tilesPerImage, source);
        } catch (ChatTemplateException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** The rows; a template that cannot render the input throws its {@link ChatTemplateException} for the caller to name. */
    private List<EncodedSequence> encodeRows(ChatInput prompt, List<? extends Map<String, ?>> answers, int[] tilesPerImage, Source source) {
        String promptText = template.render(prompt.addGenerationPrompt(true));
        long[] promptIds = encodePrompt(promptText, tilesPerImage, source);
        List<EncodedSequence> out = new ArrayList<>(answers.size());
        for (Map<String, ?> answer : answers) {
            PromptCompletion split = ChatEncoder.complete(tokenizer, template, prompt, promptText, promptIds, answer);
            out.add(truncate(split.toSequence(), source));
        }
        return out;
    }

    /** InternVL's rule: one image and no placeholder → {@code "<image>\n"} goes before the first user text. */
    private static List<ChatMessage> withPlaceholder(List<ChatMessage> prompt, int images) {
        if (images != 1 || prompt.stream().anyMatch(m -> m.content().contains(IMAGE))) {
            return prompt;
        }
        List<ChatMessage> out = new ArrayList<>(prompt);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).role().equals("user")) {
                out.set(i, out.get(i).withContent(IMAGE + "\n" + out.get(i).content()));
                break;
            }
        }
        return out;
    }

    private long[] encodePrompt(String text, int[] tilesPerImage, Source source) {
        String[] pieces = text.split(java.util.regex.Pattern.quote(IMAGE), -1);
        if (pieces.length - 1 != tilesPerImage.length) {
            throw new IllegalArgumentException(source + ": prompt has " + (pieces.length - 1) + " " + IMAGE
                    + " placeholders but the pair has " + tilesPerImage.length + " images");
        }
        if (tilesPerImage.length == 0) {
            return tokenizer.encode(text); // text-only: a tokenizer without image tokens (Qwen3) is fine
        }
        long start = tokenizer.imageStartId(), end = tokenizer.imageEndId(), context = tokenizer.imageContextId();
        int total = 0;
        long[][] parts = new long[pieces.length][];
        for (int i = 0; i < pieces.length; i++) {
            parts[i] = tokenizer.encode(pieces[i]);
            total += parts[i].length + (i < tilesPerImage.length ? tilesPerImage[i] * tokensPerTile + 2 : 0);
        }
        long[] ids = new long[total];
        int n = 0;
        for (int i = 0; i < pieces.length; i++) {
            System.arraycopy(parts[i], 0, ids, n, parts[i].length);
            n += parts[i].length;
            if (i < tilesPerImage.length) {
                ids[n++] = start;
                Arrays.fill(ids, n, n + tilesPerImage[i] * tokensPerTile, context);
                n += tilesPerImage[i] * tokensPerTile;
                ids[n++] = end;
            }
        }
        return ids;
    }

    /** Cuts to {@link #maxSeqLength} from the side {@link #truncation} says; never through an image, never to no answer. */
    public EncodedSequence truncate(EncodedSequence s, Source source) {
        if (maxSeqLength <= 0 || s.length() <= maxSeqLength) {
            return s;
        }
        int from = truncation == Truncation.KEEP_END ? s.length() - maxSeqLength : 0;
        int to = from + maxSeqLength;
        // a tokenizer without image tokens cannot have put any into the sequence
        Set<Long> image = new HashSet<>();
        for (String t : List.of(Tokenizer.IMG_START, Tokenizer.IMG_END, Tokenizer.IMG_CONTEXT)) {
            Long id = tokenizer.addedTokens().get(t);
            if (id != null) image.add(id);
        }
        for (int i = 0; i < s.length(); i++) {
            long id = s.ids()[i];
            if ((i < from || i >= to) && image.contains(id)) {
                throw new IllegalArgumentException(source + ": truncating " + s.length() + " tokens to max length "
                        + maxSeqLength + " (" + truncation + ") would cut image tokens at position " + i
                        + "; raise the max length or lower the tile count");
            }
        }
        EncodedSequence cut = new EncodedSequence(Arrays.copyOfRange(s.ids(), from, to), Arrays.copyOfRange(s.labels(), from, to),
                Math.max(0, Math.min(s.promptLength(), to) - from));
        if (cut.trainedTokens() == 0) {
            throw new IllegalArgumentException(source + ": truncating " + s.length() + " tokens to max length " + maxSeqLength
                    + " (" + truncation + ") leaves no answer token to train (prompt is " + s.promptLength() + " tokens)");
        }
        return cut;
    }
}
