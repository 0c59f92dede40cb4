package mpo4j.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.hf.HfConfig;
import mpo4j.hf.SafetensorsFile;
import mpo4j.hf.SafetensorsWriter;
import mpo4j.hf.TensorInfo;
import mpo4j.io.AtomicFiles;

/**
 * PEFT's adapter folder: {@code adapter_config.json} (PEFT's {@code LoraConfig} fields, as
 * {@code save_pretrained} writes them: sorted keys, two-space indent, {@code inference_mode} true) and
 * {@code adapter_model.safetensors} with keys {@code base_model.model.<module>.lora_A.weight} /
 * {@code lora_B.weight} (the adapter name {@code default} removed, as PEFT saves them).
 *
 * <p>Only fields every PEFT release since rsLoRA (0.7) knows are written; older releases reject unknown
 * fields, newer ones fill in defaults for the ones left out ({@code use_dora} false, ...).
 */
final class AdapterFiles {
    static final String CONFIG_FILE = "adapter_config.json";
    static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private AdapterFiles() {}

    /** Writes both files into {@code dir} (created if needed); each file appears whole or not at all. */
    static void write(Path dir, LoraConfig config, Map<String, NDArray> tensors) throws IOException {
        Files.createDirectories(dir);
        // SafetensorsWriter names its single file model.safetensors: write it in a hidden temporary
        // folder beside the target and move it into place under PEFT's name.
        Path staging = Files.createTempDirectory(dir, ".adapter-");
        try {
            SafetensorsWriter.defaults().write(staging, tensors);
            Files.move(staging.resolve(SafetensorsWriter.SINGLE_FILE), dir.resolve(WEIGHTS_FILE),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            try (var files = Files.list(staging)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(staging);
        }
        // PEFT writes json.dumps(output_dict, indent=2, sort_keys=True) without a final newline
        String text = HfConfig.parse(CONFIG_FILE, configJson(config).toString()).toJsonString().stripTrailing();
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), text);
    }

    /** {@code adapter_config.json} as PEFT writes it for {@code config}. */
    static JsonObject configJson(LoraConfig config) {
        JsonObject json = new JsonObject();
        json.add("base_model_name_or_path", config.baseModelNameOrPath().<JsonElement>map(JsonPrimitive::new).orElse(JsonNull.INSTANCE));
        json.addProperty("bias", config.bias());
        json.addProperty("fan_in_fan_out", false);
        json.addProperty("inference_mode", true);
        json.addProperty("init_lora_weights", true);
        json.add("layers_pattern", JsonNull.INSTANCE);
        json.add("layers_to_transform", JsonNull.INSTANCE);
        json.add("lora_alpha", number(config.loraAlpha()));
        json.addProperty("lora_dropout", config.loraDropout());
        json.add("modules_to_save", config.modulesToSave().isEmpty() ? JsonNull.INSTANCE : strings(config.modulesToSave()));
        json.addProperty("peft_type", "LORA");
        json.addProperty("r", config.r());
        json.add("revision", JsonNull.INSTANCE);
        json.add("target_modules", config.targetModules().<JsonElement>map(AdapterFiles::strings)
                .orElseGet(() -> new JsonPrimitive(config.targetModulesRegex().orElseThrow())));
        json.addProperty("task_type", "CAUSAL_LM");
        json.addProperty("use_rslora", config.useRslora());
        return json;
    }

    /** An integral alpha as an integer (PEFT's type for {@code lora_alpha} is int), anything else as a float. */
    private static JsonPrimitive number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? new JsonPrimitive((long) value) : new JsonPrimitive(value);
    }

    private static JsonArray strings(List<String> values) {
        JsonArray array = new JsonArray();
        values.forEach(array::add);
        return array;
    }

    /**
     * Reads {@code adapter_config.json}; the freeze switches (not part of PEFT's file) come from
     * {@code switches}. Errors name the file and the field.
     */
    static LoraConfig readConfig(Path dir, LoraConfig switches) throws IOException {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + ": no " + CONFIG_FILE + " (not a PEFT adapter folder)");
        }
        HfConfig json = HfConfig.read(file);
        String source = file.toString();
        String type = json.getString("peft_type");
        if (!"LORA".equals(type)) {
            throw new IllegalArgumentException(source + ": field 'peft_type' must be \"LORA\", got \"" + type + "\"");
        }
        requireDefault(json, source, "fan_in_fan_out", false);
        requireDefault(json, source, "use_dora", false);
        for (String field : new String[] {"rank_pattern", "alpha_pattern"}) {
            JsonElement v = json.json().get(field);
            if (v != null && !v.isJsonNull() && !(v.isJsonObject() && v.getAsJsonObject().size() == 0)) {
                throw new IllegalArgumentException(source + ": field '" + field + "' is not supported (per-layer ranks), got " + v);
            }
        }
        JsonElement layers = json.json().get("layers_to_transform");
        if (layers != null && !layers.isJsonNull()) {
            throw new IllegalArgumentException(source + ": field 'layers_to_transform' is not supported, got " + layers);
        }
        LoraConfig config = switches;
        try {
            config = config.r(json.getInt("r")).loraAlpha(json.getDouble("lora_alpha"))
                    .loraDropout(json.getDouble("lora_dropout", 0)).useRslora(json.getBoolean("use_rslora", false))
                    .bias(json.getString("bias", "none"));
            JsonElement targets = json.json().get("target_modules");
            if (targets == null || targets.isJsonNull()) {
                throw new IllegalArgumentException("missing field 'target_modules'");
            }
            config = targets.isJsonPrimitive() ? config.targetModulesRegex(targets.getAsString())
                    : config.targetModules(json.getStringList("target_modules"));
            JsonElement save = json.json().get("modules_to_save");
            config = config.modulesToSave(save == null || save.isJsonNull() ? new String[0]
                    : json.getStringList("modules_to_save").toArray(String[]::new));
            config = config.baseModelNameOrPath(json.getString("base_model_name_or_path", null));
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new IllegalArgumentException(message.startsWith(CONFIG_FILE) ? dir + "/" + message : source + ": " + message, e);
        }
        return config;
    }

    private static void requireDefault(HfConfig json, String source, String field, boolean expected) {
        if (json.getBoolean(field, expected) != expected) {
            throw new IllegalArgumentException(source + ": field '" + field + "' must be " + expected + " (not supported), got " + !expected);
        }
    }

    /** Every tensor of {@code adapter_model.safetensors}, as float32 arrays in {@code manager}, in file order. */
    static Map<String, NDArray> readTensors(Path dir, NDManager manager) throws IOException {
        Path file = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + ": no " + WEIGHTS_FILE + " (adapter_model.bin is not read; save with safetensors)");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (SafetensorsFile weights = SafetensorsFile.open(file)) {
            for (TensorInfo info : weights.tensors()) {
                out.put(info.name(), weights.loadFloat32(info.name(), manager));
            }
        }
        return out;
    }
}
