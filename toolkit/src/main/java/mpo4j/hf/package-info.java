/**
 * Hugging Face model files: safetensors checkpoints, model folders, the hub cache and explicit
 * downloads. A leaf package (DJL, Gson and the JDK only), the file layer under mpo4j's Qwen2/Qwen3/
 * InternVL model classes.
 *
 * <p>Entry points: {@link mpo4j.hf.HfModelFolder} opens a folder ({@code config.json}, tokenizer
 * files, single or sharded weights) and loads or streams tensors; {@link mpo4j.hf.HfConfig} gives
 * typed config fields with errors naming the field; {@link mpo4j.hf.SafetensorsFile} and
 * {@link mpo4j.hf.SafetensorsWriter} read and write safetensors files in transformers' exact layout;
 * {@link mpo4j.hf.HfCache} finds {@code "Qwen/Qwen2.5-0.5B-Instruct"} in the local hub cache without
 * network; {@link mpo4j.hf.HfDownloader} fills that cache when asked to. The environment
 * ({@code HF_HOME}, {@code HF_HUB_CACHE}, {@code HF_ENDPOINT}, {@code HF_TOKEN}) comes in as an
 * {@link mpo4j.hf.HfEnvironment} value, so nothing depends on the process environment implicitly.
 * {@link mpo4j.hf.PythonJson} writes JSON exactly as Python's {@code json.dumps} does, for config files here
 * and for the chat templates' {@code tojson} in {@code mpo4j.text}.
 *
 * <p>DJL 0.35.1's PyTorch engine aborts the JVM on any bfloat16 array, so bf16 weights are always
 * handed out as float32 (exactly) and written back to bf16 with PyTorch's rounding; a bf16 file read
 * and saved again is unchanged bit for bit.
 */
package mpo4j.hf;
