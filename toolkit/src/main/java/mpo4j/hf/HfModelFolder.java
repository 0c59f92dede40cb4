package mpo4j.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A Hugging Face model folder as {@code save_pretrained} writes it and the hub serves it:
 * {@code config.json}, optional {@code generation_config.json} and tokenizer files, and the weights as
 * {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}.
 *
 * <p>Opening reads the configs and every safetensors header (names, dtypes, shapes), no tensor data.
 * Tensors are then loaded one by name, or streamed with {@link #forEachTensor}, which opens one shard
 * at a time so that no two shards' data are mapped or held at once. Immutable; every method may be
 * called from any thread (each load opens its own file handle).
 */
public final class HfModelFolder {
    /** The model config. */
    public static final String CONFIG = "config.json";
    /** Generation defaults (optional). */
    public static final String GENERATION_CONFIG = "generation_config.json";
    /** The fast tokenizer (optional). */
    public static final String TOKENIZER = "tokenizer.json";
    /** Tokenizer settings and the chat template (optional). */
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    /** Special tokens (optional). */
    public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    private final Path dir;
    private final HfConfig config;
    private final List<Path> weightFiles;
    private final Map<String, TensorInfo> tensors;

    private HfModelFolder(Path dir, HfConfig config, List<Path> weightFiles, Map<String, TensorInfo> tensors) {
        this.dir = dir;
        this.config = config;
        this.weightFiles = weightFiles;
        this.tensors = tensors;
    }

    /**
     * Opens the model folder {@code dir}.
     *
     * @throws IOException when {@code config.json} or the weights are missing or malformed (the
     *     message names the file, and the field or tensor)
     */
    public static HfModelFolder open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a folder");
        }
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(dir + ": no " + CONFIG + " (not a Hugging Face model folder)");
        }
        HfConfig config = HfConfig.read(configFile);
        Path index = dir.resolve(SafetensorsWriter.INDEX_FILE);
        HfConfig weightMap = Files.exists(index) ? HfConfig.read(index).section("weight_map") : null;
        List<Path> files = weightFiles(dir, index, weightMap);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Path file : files) {
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                for (TensorInfo t : st.tensors()) {
                    TensorInfo earlier = tensors.put(t.name(), t);
                    if (earlier != null) {
                        throw new IOException(dir + ": tensor '" + t.name() + "' is in both " + earlier.file().getFileName()
                                + " and " + file.getFileName());
                    }
                }
            }
        }
        if (weightMap != null) {
            checkWeightMap(index, weightMap, tensors);
        }
        return new HfModelFolder(dir, config, List.copyOf(files), Collections.unmodifiableMap(tensors));
    }

    /** The single file, or the shards named in the index in file-name order. */
    private static List<Path> weightFiles(Path dir, Path index, HfConfig weightMap) throws IOException {
        if (weightMap != null) {
            TreeSet<String> names = new TreeSet<>();
            for (String tensor : weightMap.fields()) {
                names.add(weightMap.getString(tensor));
            }
            List<Path> files = new ArrayList<>();
            for (String name : names) {
                Path file = dir.resolve(name).normalize();
                if (!file.getParent().equals(dir.normalize()) || !Files.isRegularFile(file)) {
                    throw new IOException(index + ": lists shard '" + name + "', which is not a file in " + dir);
                }
                files.add(file);
            }
            return files;
        }
        Path single = dir.resolve(SafetensorsWriter.SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        String hint = Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"))
                ? " (only pytorch_model.bin, which mpo4j cannot read: convert it with transformers' save_pretrained)" : "";
        throw new IOException(dir + ": no " + SafetensorsWriter.SINGLE_FILE + " or " + SafetensorsWriter.INDEX_FILE + hint);
    }

    private static void checkWeightMap(Path index, HfConfig weightMap, Map<String, TensorInfo> tensors) throws IOException {
        for (String tensor : weightMap.fields()) {
            String shard = weightMap.getString(tensor);
            TensorInfo info = tensors.get(tensor);
            if (info == null || !info.file().getFileName().toString().equals(shard)) {
                throw new IOException(index.getFileName() + ": weight_map puts '" + tensor + "' in " + shard
                        + ", but " + (info == null ? "no shard has it" : "it is in " + info.file().getFileName()));
            }
        }
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** {@code config.json}. */
    public HfConfig config() {
        return config;
    }

    /** {@code generation_config.json}, when present. */
    public Optional<HfConfig> generationConfig() throws IOException {
        return optionalConfig(GENERATION_CONFIG);
    }

    /** {@code tokenizer_config.json}, when present. */
    public Optional<HfConfig> tokenizerConfig() throws IOException {
        return optionalConfig(TOKENIZER_CONFIG);
    }

    /** {@code special_tokens_map.json}, when present. */
    public Optional<HfConfig> specialTokensMap() throws IOException {
        return optionalConfig(SPECIAL_TOKENS_MAP);
    }

    /** {@code tokenizer.json}, when present. */
    public Optional<Path> tokenizerFile() {
        return file(TOKENIZER);
    }

    /** The file {@code name} in the folder, when it exists. */
    public Optional<Path> file(String name) {
        Path file = dir.resolve(name);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    private Optional<HfConfig> optionalConfig(String name) throws IOException {
        Optional<Path> file = file(name);
        return file.isPresent() ? Optional.of(HfConfig.read(file.get())) : Optional.empty();
    }

    /** The safetensors files, in the order {@link #forEachTensor} reads them. */
    public List<Path> weightFiles() {
        return weightFiles;
    }

    /** Every tensor's name, dtype, shape and location, shard by shard in file order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** Whether the checkpoint has a tensor {@code name} (tied models have no {@code lm_head.weight}). */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The header entry of {@code name}.
     *
     * @throws IllegalArgumentException naming the folder when there is no such tensor
     */
    public TensorInfo tensor(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(dir + ": no tensor '" + name + "' in " + weightFiles.size()
                    + " weight file(s) with " + tensors.size() + " tensors");
        }
        return info;
    }

    /** Loads {@code name} in its stored dtype (bf16 as float32), see {@link SafetensorsFile#load}. */
    public NDArray load(String name, NDManager manager) throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(tensor(name).file())) {
            return st.load(name, manager);
        }
    }

    /** Loads {@code name} as float32. */
    public NDArray loadFloat32(String name, NDManager manager) throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(tensor(name).file())) {
            return st.loadFloat32(name, manager);
        }
    }

    /**
     * Calls {@code visitor} for every tensor, one shard after the other, each in data order. Only the
     * current shard is open, and only the window being read is mapped.
     */
    public void forEachTensor(TensorVisitor visitor) throws IOException {
        for (Path file : weightFiles) {
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                for (TensorInfo info : st.tensors()) {
                    visitor.visit(info, new TensorSource() {
                        @Override
                        public NDArray load(NDManager manager) throws IOException {
                            return st.load(info.name(), manager);
                        }

                        @Override
                        public NDArray loadFloat32(NDManager manager) throws IOException {
                            return st.loadFloat32(info.name(), manager);
                        }

                        @Override
                        public ByteBuffer readBytes() throws IOException {
                            return st.readBytes(info.name());
                        }
                    });
                }
            }
        }
    }

    @Override
    public String toString() {
        return "HfModelFolder[" + dir + ", " + tensors.size() + " tensors in " + weightFiles.size() + " file(s)]";
    }
}
