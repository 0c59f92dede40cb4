package mpo4j.generate;

/** Why a completion ended. */
public enum FinishReason {
    /** It emitted one of the eos token ids (kept as its last token). */
    EOS_TOKEN,
    /** Its decoded text came to contain one of the stop strings (the tokens that spell it are kept). */
    STOP_STRING,
    /** It reached {@code maxNewTokens} without either: a truncated completion. */
    MAX_NEW_TOKENS;

    /**
     * True for {@link #MAX_NEW_TOKENS}. TRL calls a completion truncated when its last token is neither eos
     * nor pad, which would also count a stop-string finish as truncated; a stop string is a deliberate end,
     * so here it is not.
     */
    public boolean truncated() { return this == MAX_NEW_TOKENS; }
}
