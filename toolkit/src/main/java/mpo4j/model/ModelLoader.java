package mpo4j.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.hf.DownloadProgress;
import mpo4j.hf.HfCache;
import mpo4j.hf.HfConfig;
import mpo4j.hf.HfDownloader;
import mpo4j.hf.HfEnvironment;
import mpo4j.hf.HfModelFolder;

/**
 * Opens a Hugging Face model folder, or a repo id found in the local Hugging Face cache, as a
 * {@link CausalLm}: {@code ModelLoader.load("Qwen/Qwen2.5-0.5B-Instruct")}. The architecture comes from
 * {@code config.json}'s {@code architectures} (or, without it, {@code model_type}); never touches the
 * network (download explicitly with {@link mpo4j.hf.HfDownloader}, or {@link #load(String, boolean)}).
 * Supported: {@code Qwen2ForCausalLM}, {@code Qwen3ForCausalLM} ({@link QwenCausalLm}) and
 * {@code InternVLChatModel} ({@link InternVlChatModel}); folders written by {@link TinyVlm#save} load as
 * {@link TinyVlm}.
 */
public final class ModelLoader {
    /** Qwen2 and Qwen2.5. */
    public static final String QWEN2 = "Qwen2ForCausalLM";
    /** Qwen3 (dense). */
    public static final String QWEN3 = "Qwen3ForCausalLM";
    /** InternVL2.5 / InternVL3 in OpenGVLab's original layout. */
    public static final String INTERNVL_CHAT = InternVlChatModel.ARCHITECTURE;

    /** Builds the model of an opened folder whose config names the architecture it is registered under. */
    @FunctionalInterface
    interface Architecture {
        /** The model of {@code folder}; errors name the file and the field or tensor. */
        CausalLm load(HfModelFolder folder) throws IOException;
    }

    /**
     * The supported architectures, by their {@code architectures} name. This is the extension point: a new
     * model class adds one entry here.
     */
    private static final Map<String, Architecture> ARCHITECTURES = new LinkedHashMap<>();
    /** {@code model_type} values, for configs without {@code architectures}. */
    private static final Map<String, String> MODEL_TYPES = Map.of("qwen2", QWEN2, "qwen3", QWEN3,
            InternVlChatModel.MODEL_TYPE, INTERNVL_CHAT);

    static {
        ARCHITECTURES.put(QWEN2, QwenCausalLm::load);
        ARCHITECTURES.put(QWEN3, QwenCausalLm::load);
        ARCHITECTURES.put(INTERNVL_CHAT, InternVlChatModel::load);
    }

    /** The field only mpo4j's own {@link TinyVlm} folders carry (their config nests the decoder in {@code llm_config}). */
    private static final String TINY_VLM_MARKER = "special_token_ids";

    private ModelLoader() {}

    /**
     * Loads {@code pathOrRepoId}: a local folder, or a repo id ({@code Qwen/Qwen3-0.6B}) looked up in the
     * Hugging Face cache ({@code $HF_HUB_CACHE}, {@code $HF_HOME/hub} or {@code ~/.cache/huggingface/hub},
     * revision {@code main}).
     *
     * @throws UncheckedIOException when the model is in neither place (the message lists where it looked)
     *     or a file cannot be read
     * @throws IllegalArgumentException naming the file and field or tensor when the checkpoint is unsupported or broken
     */
    public static CausalLm load(String pathOrRepoId) {
        return load(pathOrRepoId, HfCache.system());
    }

    /** {@link #load(String)} with the given cache. */
    public static CausalLm load(String pathOrRepoId, HfCache cache) {
        Path dir;
        try {
            dir = cache.resolve(pathOrRepoId);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return load(dir);
    }

    /**
     * Loads {@code pathOrRepoId} like {@link #load(String)}; when it is a repo id that is not in the cache
     * and {@code download} is true, first downloads it from the hub ({@code $HF_ENDPOINT}, token from
     * {@code $HF_TOKEN} or {@code $HF_HOME/token}) into the cache, resumably and checksum-checked, with
     * per-file progress on standard error. With {@code download} false nothing touches the network.
     *
     * @throws UncheckedIOException when the model is not cached and {@code download} is false (the
     *     message lists where it looked and how to download), or when the download fails
     */
    public static CausalLm load(String pathOrRepoId, boolean download) {
        return load(pathOrRepoId, download, HfEnvironment.system());
    }

    /** {@link #load(String, boolean)} with the hub, cache and token {@code env} names. */
    public static CausalLm load(String pathOrRepoId, boolean download, HfEnvironment env) {
        Path dir;
        try {
            dir = HfCache.of(env).resolve(pathOrRepoId);
        } catch (IOException notCached) {
            if (!download) {
                throw new UncheckedIOException(notCached.getMessage() + "\nOr let mpo4j download it: ModelLoader.load(\""
                        + pathOrRepoId + "\", true) (Mpo.load(\"" + pathOrRepoId + "\", true) in a notebook).", notCached);
            }
            try {
                dir = HfDownloader.of(env).progress(consoleProgress()).download(pathOrRepoId);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot download " + pathOrRepoId + ": " + e.getMessage(), e);
            }
        }
        return load(dir);
    }

    /** Prints one line per file when it starts, at every further tenth and when it ends: enough for a notebook cell. */
    private static DownloadProgress consoleProgress() {
        Map<String, Long> printedTenth = new java.util.HashMap<>();
        return (file, done, total) -> {
            long tenth = total > 0 ? done * 10 / total : 0;
            Long last = printedTenth.put(file, tenth);
            if (last == null || tenth > last) {
                String size = total > 0 ? String.format(" of %.1f MB", total / 1e6) : "";
                System.err.printf("%s: %.1f MB%s%n", file, done / 1e6, size);
            }
        };
    }

    /** Loads the model folder {@code dir}. */
    public static CausalLm load(Path dir) {
        try {
            HfModelFolder folder = HfModelFolder.open(dir);
            if (folder.config().has(TINY_VLM_MARKER)) {
                return TinyVlm.load(dir);
            }
            return ARCHITECTURES.get(architecture(folder.config())).load(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load model from " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The supported architecture names, in the order the error messages list them. */
    public static List<String> supportedArchitectures() { return List.copyOf(ARCHITECTURES.keySet()); }

    /**
     * The supported architecture a config names: the first supported entry of {@code architectures},
     * else (without that field) the one its {@code model_type} stands for.
     *
     * @throws IllegalArgumentException naming the field and listing what is supported
     */
    public static String architecture(HfConfig config) {
        if (config.has("architectures")) {
            List<String> named = config.getStringList("architectures");
            for (String name : named) {
                if (ARCHITECTURES.containsKey(name)) {
                    return name;
                }
            }
            throw new IllegalArgumentException(config.source() + ": field 'architectures' is " + named
                    + "; supported: " + String.join(", ", ARCHITECTURES.keySet()));
        }
        if (!config.has("model_type")) {
            throw new IllegalArgumentException(config.source() + ": missing field 'architectures' (and 'model_type');"
                    + " supported: " + String.join(", ", ARCHITECTURES.keySet()));
        }
        String type = config.getString("model_type");
        String name = MODEL_TYPES.get(type);
        if (name == null) {
            throw new IllegalArgumentException(config.source() + ": field 'model_type' is \"" + type + "\" and there is no"
                    + " 'architectures'; supported model types: " + String.join(", ", MODEL_TYPES.keySet().stream().sorted().toList())
                    + " (architectures " + String.join(", ", ARCHITECTURES.keySet()) + ")");
        }
        return name;
    }
}
