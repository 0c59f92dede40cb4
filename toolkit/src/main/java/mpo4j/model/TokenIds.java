package mpo4j.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Special token ids. {@code eos} is the id generation stops at ({@code <|im_end|>} in the ChatML
 * template); {@code eosIds} lists every id that ends a generation, {@code eos} first (Qwen2.5's
 * {@code generation_config.json} names {@code [151645, 151643]}, {@code <|im_end|>} and
 * {@code <|endoftext|>}). Image ids are -1 for a text-only model.
 */
public record TokenIds(int imgContext, int imgStart, int imgEnd, int pad, int eos, List<Integer> eosIds) {

    /** Validates that {@code eosIds} starts with {@code eos} and holds no duplicates. */
    public TokenIds {
        eosIds = List.copyOf(eosIds);
        if (eosIds.isEmpty() || eosIds.get(0) != eos) {
            throw new IllegalArgumentException("eos_token_id list must start with the primary eos id " + eos + ", got " + eosIds);
        }
        if (eosIds.stream().distinct().count() != eosIds.size()) {
            throw new IllegalArgumentException("eos_token_id list must not repeat an id, got " + eosIds);
        }
    }

    /** Ids with a single end-of-generation id. */
    public TokenIds(int imgContext, int imgStart, int imgEnd, int pad, int eos) {
        this(imgContext, imgStart, imgEnd, pad, eos, List.of(eos));
    }

    /** Placeholder ids at the top of the tiny vocabulary, until a tokenizer provides the real ones. */
    public static TokenIds tinyDefaults() { return new TokenIds(2047, 2045, 2046, 2042, 2044); }

    /**
     * A copy whose end-of-generation ids are {@code ids} (the first becomes {@link #eos()}; later
     * repeats are dropped).
     */
    public TokenIds eosIds(List<Integer> ids) {
        List<Integer> distinct = new ArrayList<>();
        for (Integer id : ids) {
            if (!distinct.contains(id)) {
                distinct.add(id);
            }
        }
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException("eos_token_id list must not be empty");
        }
        return new TokenIds(imgContext, imgStart, imgEnd, pad, distinct.get(0), distinct);
    }

    /** Whether {@code id} ends a generation. */
    public boolean isEos(long id) {
        return eosIds.stream().anyMatch(e -> e == id);
    }

    /**
     * Checks that every id this model uses lies in a vocabulary of {@code vocab} (image ids of -1 mean
     * "no vision tower" and are skipped).
     *
     * @throws IllegalArgumentException naming the id
     */
    public void checkFits(int vocab) {
        List<Integer> ids = new ArrayList<>();
        if (imgContext != -1 || imgStart != -1 || imgEnd != -1) {
            ids.addAll(List.of(imgContext, imgStart, imgEnd));
        }
        ids.add(pad);
        ids.addAll(eosIds);
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("special token id " + id + " is outside the vocabulary of " + vocab + ": " + this);
            }
        }
    }
}
