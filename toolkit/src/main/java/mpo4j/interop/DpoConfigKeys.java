package mpo4j.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key a TRL {@code dpo.yaml} may hold (the fields of {@code DPOConfig}, the
 * {@code TrainingArguments} it extends, and TRL's {@code ModelConfig}/{@code ScriptArguments}, as of
 * TRL v1.9.0) and what mpo4j does with it: the mpo4j setting it maps to, accepted without effect on
 * this engine (with the reason), or unsupported (with the reason). The run-bundle export writes only
 * mapped keys; the config-file entry point refuses unsupported ones; {@code docs/dpo-config.md} is
 * this table.
 */
public final class DpoConfigKeys {
    /** What mpo4j does with a key. */
    public enum Status {
        /** An mpo4j setting has the same meaning. */
        MAPPED,
        /** Accepted and without effect on this engine (e.g. GPU kernels, Hub upload); the note says why. */
        NO_EFFECT,
        /** Would change the run but mpo4j has no such setting; a config file holding it is refused. */
        UNSUPPORTED
    }

    /**
     * One key.
     *
     * @param name   TRL's field name
     * @param status what mpo4j does with it
     * @param mpo4j  the mpo4j setting ({@code ""} unless mapped)
     * @param note   details or the reason it has no effect / is unsupported
     */
    public record Key(String name, Status status, String mpo4j, String note) {}

    private static final Map<String, Key> KEYS = load();

    private DpoConfigKeys() {}

    /** All keys in TRL's order (DPOConfig first, then TrainingArguments, ModelConfig, ScriptArguments). */
    public static List<Key> all() {
        return List.copyOf(KEYS.values());
    }

    /** The key named {@code name}, or {@code null} when TRL has no such field. */
    public static Key get(String name) {
        return KEYS.get(name);
    }

    /** The known key closest to {@code name} by edit distance (for "did you mean" messages). */
    public static String closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KEYS.keySet()) {
            int d = editDistance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    /** Levenshtein distance (insertions, deletions, substitutions). */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * {@code docs/dpo-config.md}: every key with mpo4j's name for it, or why it does not apply, so that
     * nothing in a TRL configuration is silently ignored.
     */
    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# TRL `DPOConfig` keys in mpo4j\n\n");
        sb.append("Generated from `toolkit/src/main/resources/mpo4j/interop/dpo-config-mapping.tsv` by `DpoConfigKeysTest`; do not edit by hand.\n\n");
        sb.append("Every key a TRL v1.9.0 `dpo.yaml` may hold: the fields of `DPOConfig`, of the transformers `TrainingArguments` it\n");
        sb.append("extends, and of TRL's `ModelConfig` and `ScriptArguments` (read by `trl dpo --config`). For each: the mpo4j setting\n");
        sb.append("with the same meaning, or why it does not apply. `./mpo4j train run.yaml` accepts the mapped keys and the\n");
        sb.append("\"not applicable on this engine\" ones (which cannot change the result here), and refuses the \"not supported\" ones;\n");
        sb.append("the TRL run bundle (`TrlBundle`) writes every mapped setting under its TRL name and hands the scale-out keys\n");
        sb.append("(`deepspeed`, `fsdp`, mixed precision) to the accelerate configs it writes.\n\n");
        sb.append("| TRL key | mpo4j | notes |\n|---|---|---|\n");
        for (Key k : KEYS.values()) {
            String mpo4j = switch (k.status()) {
                case MAPPED -> "`" + k.mpo4j() + "`";
                case NO_EFFECT -> "not applicable on this engine";
                case UNSUPPORTED -> "**not supported**";
            };
            sb.append("| `").append(k.name()).append("` | ").append(mpo4j).append(" | ").append(k.note().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    private static Map<String, Key> load() {
        Map<String, Key> out = new LinkedHashMap<>();
        try (InputStream in = DpoConfigKeys.class.getResourceAsStream("/mpo4j/interop/dpo-config-mapping.tsv")) {
            if (in == null) throw new IllegalStateException("dpo-config-mapping.tsv missing from the class path");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t", -1);
                out.put(f[0], new Key(f[0], Status.valueOf(f[1].toUpperCase(java.util.Locale.ROOT)), f[2], f[3]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Names of the keys with {@code status}. */
    static List<String> names(Status status) {
        List<String> out = new ArrayList<>();
        for (Key k : KEYS.values()) if (k.status() == status) out.add(k.name());
        return out;
    }
}
