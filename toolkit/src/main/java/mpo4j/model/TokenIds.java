package mpo4j.model;

/**
 * Special token ids. {@code eos} is the id generation stops at ({@code <|im_end|>} in the ChatML template).
 */
public record TokenIds(int imgContext, int imgStart, int imgEnd, int pad, int eos) {

    /** Placeholder ids at the top of the tiny vocabulary, until a tokenizer provides the real ones. */
    public static TokenIds tinyDefaults() { return new TokenIds(2047, 2045, 2046, 2042, 2044); }

    public void checkFits(int vocab) {
        for (int id : new int[] {imgContext, imgStart, imgEnd, pad, eos}) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("special token id " + id + " is outside the vocabulary of " + vocab + ": " + this);
            }
        }
    }
}
