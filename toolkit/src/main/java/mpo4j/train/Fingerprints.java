package mpo4j.train;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a checkpoint was trained with, as named fields ({@code config.lr}, {@code loss.beta},
 * {@code data.train_order}, ...), so a resume with different settings is refused with the field that
 * differs rather than two whole records.
 */
final class Fingerprints {
    /**
     * Settings a resume may change: cadences and the run's length (extending a finished run with more
     * epochs or steps is allowed, as in TRL).
     */
    private static final Set<String> MAY_CHANGE = Set.of("evalEvery", "saveEvery", "evalBatchSize", "saveTotalLimit", "epochs", "maxSteps");

    private Fingerprints() {}

    /** Every weight-deciding {@link TrainConfig} field as {@code config.<name>}, then the trainer's own fields. */
    static Map<String, String> of(TrainConfig config, Map<String, String> trainerFields) {
        Map<String, String> out = new LinkedHashMap<>();
        for (RecordComponent c : TrainConfig.class.getRecordComponents()) {
            if (!MAY_CHANGE.contains(c.getName())) {
                try {
                    out.put("config." + c.getName(), String.valueOf(c.getAccessor().invoke(config)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        trainerFields.forEach((k, v) -> {
            if (!k.startsWith("config.")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The first difference between a checkpoint's fingerprint and the current one, as
     * "{@code loss.beta} is 0.2 now but the checkpoint was trained with 0.1", or {@code null} when they
     * agree. Without {@code storedHasTrainerFields} (a checkpoint older than fingerprints) only the
     * {@code config.} fields are compared.
     */
    static String firstDifference(Map<String, String> stored, Map<String, String> now, boolean storedHasTrainerFields) {
        List<String> diffs = new ArrayList<>();
        String first = null;
        Set<String> keys = new java.util.LinkedHashSet<>(stored.keySet());
        keys.addAll(now.keySet());
        for (String k : keys) {
            if (!storedHasTrainerFields && !k.startsWith("config.")) {
                continue;
            }
            String was = stored.get(k);
            String is = now.get(k);
            if (!java.util.Objects.equals(was, is)) {
                diffs.add(k);
                if (first == null) {
                    first = k + " is " + (is == null ? "not set" : is) + " now but the checkpoint was trained with "
                            + (was == null ? "it not set" : was);
                }
            }
        }
        if (first == null) {
            return null;
        }
        return diffs.size() == 1 ? first : first + " (also different: " + String.join(", ", diffs.subList(1, diffs.size())) + ")";
    }
}
