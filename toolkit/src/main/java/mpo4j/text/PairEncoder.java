package mpo4j.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;
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
     * Encodes assistant messages (which may carry {@code tool_calls}) as answers to a full
     * {@link ChatInput} prompt (tools, extra variables such as {@code enable_thinking}). Each
     * {@code <image>} in the rendered prompt is expanded; none is added for a single image here.
     *
     * @throws IllegalArgumentException naming {@code source} as {@link #encode(List, String, int[], Source)} does,
     *         or when the template renders an answer so that the text no longer starts with the prompt
     */
    public List<EncodedSequence> encode(ChatInput prompt, List<? extends Map<String, ?>> answers, int[] tilesPerImage, Source source) {
        String promptText = template.render(prompt.addGenerationPrompt(true));
        long[] promptIds = encodePrompt(promptText, tilesPerImage, source);
        List<EncodedSequence> out = new ArrayList<>(answers.size());
        for (Map<String, ?> answer : answers) {
            PromptCompletion split;
            try {
                split = ChatEncoder.complete(tokenizer, template, prompt, promptText, promptIds, answer);
            } catch (ChatTemplateException e) {
                throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
            }
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
                out.set(i, new ChatMessage("user", IMAGE + "\n" + out.get(i).content()));
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
