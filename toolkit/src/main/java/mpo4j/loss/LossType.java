package mpo4j.loss;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The preference loss types, named as TRL names them ({@link #trlName()}); semantics in
 * {@code docs/losses.md}.
 */
public enum LossType {
    SIGMOID("sigmoid"),
    HINGE("hinge"),
    IPO("ipo"),
    SIGMOID_NORM("sigmoid_norm"),
    EXO_PAIR("exo_pair"),
    NCA_PAIR("nca_pair"),
    ROBUST("robust"),
    BCO_PAIR("bco_pair"),
    SPPO_HARD("sppo_hard"),
    AOT("aot"),
    AOT_UNPAIRED("aot_unpaired"),
    APO_ZERO("apo_zero"),
    APO_DOWN("apo_down"),
    DISCOPOP("discopop"),
    SFT("sft");

    private final String trlName;

    LossType(String trlName) {
        this.trlName = trlName;
    }

    /** The name TRL's {@code loss_type} uses, e.g. {@code "bco_pair"}. */
    public String trlName() {
        return trlName;
    }

    /** Sorting across the batch makes entry i not belong to pair i, so per-pair weights cannot apply. */
    public boolean sortsAcrossBatch() {
        return this == AOT || this == AOT_UNPAIRED;
    }

    /** Parses a TRL name (case-insensitive, surrounding blanks ignored). */
    public static LossType of(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (LossType t : values()) {
            if (t.trlName.equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown loss type '" + name + "'; valid loss types: " + validNames());
    }

    /** All TRL names, comma separated, in declaration order. */
    public static String validNames() {
        return Arrays.stream(values()).map(LossType::trlName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return trlName;
    }
}
