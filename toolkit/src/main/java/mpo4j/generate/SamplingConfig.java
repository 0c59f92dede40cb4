package mpo4j.generate;

import java.util.List;

/**
 * How to pick each next token: transformers' {@code GenerationConfig} settings (camelCased) that matter
 * for online RL, plus the stop conditions and a seed. Immutable; every setting has a copy method named
 * after it ({@code config.topP(0.9)} returns a new config), validated at once.
 *
 * <p>Defaults are transformers' {@code GenerationConfig} defaults ({@code do_sample=False},
 * {@code temperature=1.0}, {@code top_k=50}, {@code top_p=1.0}, {@code min_p=None} (here 0),
 * {@code repetition_penalty=1.0}); {@code maxNewTokens} defaults to TRL's {@code max_completion_length}
 * (512), because transformers has no default for it. {@link #trlDefaults()} gives TRL's GRPO/RLOO
 * sampling defaults instead.
 *
 * <p>Greedy decoding happens when {@code doSample} is false or {@code temperature} is 0. (transformers
 * rejects temperature 0 with sampling; we treat it as greedy, as vLLM does.) Greedy decoding applies only
 * the repetition penalty; temperature, top-k, top-p and min-p shape the sampled distribution only, as in
 * transformers' {@code _get_logits_processor}.
 *
 * @param doSample sample from the processed distribution; false = greedy (argmax)
 * @param temperature divides the logits before sampling; 0 = greedy
 * @param topK keep the {@code topK} largest logits (ties with the k-th included); 0 disables
 * @param topP keep the smallest set of most likely tokens whose probabilities add up to at least
 *     {@code topP}; 1 disables
 * @param minP drop tokens whose probability is below {@code minP} times the top token's; 0 disables
 * @param repetitionPenalty CTRL penalty on every token already in the prompt or completion: positive
 *     logits divided by it, negative ones multiplied; 1 disables
 * @param maxNewTokens the most tokens a completion may have
 * @param stopStrings generation of a row stops once its decoded text contains one of these
 * @param eosTokenIds generation of a row stops after it emits one of these (the token is kept)
 * @param seed with the prompt key and the generation index, fixes each row's random stream
 */
public record SamplingConfig(
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        int maxNewTokens,
        List<String> stopStrings,
        List<Long> eosTokenIds,
        long seed) {

    /** transformers' {@code GenerationConfig} defaults, with TRL's 512 new tokens. */
    public static final SamplingConfig DEFAULT = new SamplingConfig(false, 1.0, 50, 1.0, 0.0, 1.0, 512, List.of(), List.of(), 0);

    /** Validates every setting; the message names the setting, the bad value and the valid range. */
    public SamplingConfig {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 disables top-k), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1] (0 disables min-p), got " + minP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition_penalty must be a finite number > 0 (1 disables it), got " + repetitionPenalty);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop_strings must not contain an empty string, got " + stopStrings);
            }
        }
        eosTokenIds = List.copyOf(eosTokenIds);
        for (Long id : eosTokenIds) {
            if (id < 0) {
                throw new IllegalArgumentException("eos_token_id must be >= 0, got " + id);
            }
        }
    }

    /**
     * TRL's sampling defaults for {@code GRPOTrainer} and {@code RLOOTrainer}: sampling on, temperature 1,
     * {@code top_k=0} (off), {@code top_p=1}, no min-p, no repetition penalty, 512 new tokens.
     */
    public static SamplingConfig trlDefaults() {
        return DEFAULT.doSample(true).topK(0);
    }

    /** Greedy decoding (transformers' defaults, {@code doSample} false) of at most {@code maxNewTokens} tokens. */
    public static SamplingConfig greedy(int maxNewTokens) {
        return DEFAULT.maxNewTokens(maxNewTokens);
    }

    /** True when tokens are chosen by argmax: {@code doSample} false or temperature 0. */
    public boolean isGreedy() { return !doSample || temperature == 0; }

    /**
     * This config if it names end tokens, else a copy ending generation at every one of the model's
     * {@link mpo4j.model.TokenIds#eosIds()} (all ids of a list-valued {@code eos_token_id}, as transformers' {@code generate}).
     */
    public SamplingConfig orModelEos(mpo4j.model.TokenIds tokens) {
        return eosTokenIds.isEmpty() ? eosTokenIds(tokens.eosIds().stream().map(Integer::longValue).toList()) : this;
    }

    /** A copy with {@code doSample} replaced; validated like the constructor. */
    public SamplingConfig doSample(boolean v) { return new SamplingConfig(v, temperature, topK, topP, minP, repetitionPenalty, maxNewTokens, stopStrings, eosTokenIds, seed); }

    /** A copy with {@code temperature} replaced; validated like the constructor. */
    public SamplingConfig temperature(double v) { return new SamplingConfig(doSample, v, topK, topP, minP, repetitionPenalty, maxNewTokens, stopStrings, eosTokenIds, seed); }

    /** A copy with {@code topK} replaced; validated like the constructor. */
    public SamplingConfig topK(int v) { return new SamplingConfig(doSample, temperature, v, topP, minP, repetitionPenalty, maxNewTokens, stopStrings, eosTokenIds, seed); }

    /** A copy with {@code topP} replaced; validated like the constructor. */
    public SamplingConfig topP(double v) { return new SamplingConfig(doSample, temperature, topK, v, minP, repetitionPenalty, maxNewTokens, stopStrings, eosTokenIds, seed); }

    /** A copy with {@code minP} replaced; validated like the constructor. */
    public SamplingConfig minP(double v) { return new SamplingConfig(doSample, temperature, topK, topP, v, repetitionPenalty, maxNewTokens, stopStrings, eosTokenIds, seed); }

    /** A copy with {@code repetitionPenalty} replaced; validated like the constructor. */
    public SamplingConfig repetitionPenalty(double v) { return new SamplingConfig(doSample, temperature, topK, topP, minP, v, maxNewTokens, stopStrings, eosTokenIds, seed); }

    /** A copy with {@code maxNewTokens} replaced; validated like the constructor. */
    public SamplingConfig maxNewTokens(int v) { return new SamplingConfig(doSample, temperature, topK, topP, minP, repetitionPenalty, v, stopStrings, eosTokenIds, seed); }

    /** A copy with {@code stopStrings} replaced; validated like the constructor. */
    public SamplingConfig stopStrings(List<String> v) { return new SamplingConfig(doSample, temperature, topK, topP, minP, repetitionPenalty, maxNewTokens, v, eosTokenIds, seed); }

    /** A copy with {@code eosTokenIds} replaced; validated like the constructor. */
    public SamplingConfig eosTokenIds(List<Long> v) { return new SamplingConfig(doSample, temperature, topK, topP, minP, repetitionPenalty, maxNewTokens, stopStrings, v, seed); }

    /** A copy with {@code seed} replaced; validated like the constructor. */
    public SamplingConfig seed(long v) { return new SamplingConfig(doSample, temperature, topK, topP, minP, repetitionPenalty, maxNewTokens, stopStrings, eosTokenIds, v); }
}
