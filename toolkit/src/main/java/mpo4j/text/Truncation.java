package mpo4j.text;

/** Which end of a too-long sequence survives (TRL's {@code truncation_mode}). */
public enum Truncation {
    /** Keep the first {@code max_length} tokens, cut the end (InternVL's behaviour; TRL {@code keep_start}). */
    KEEP_START,
    /** Keep the last {@code max_length} tokens, cut the start of the prompt (TRL {@code keep_end}). */
    KEEP_END
}
