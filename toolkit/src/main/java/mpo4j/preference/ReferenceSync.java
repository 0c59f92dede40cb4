package mpo4j.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.model.CausalLm;
import mpo4j.train.Checkpoint;
import mpo4j.train.ModelTrainable;
import mpo4j.train.TensorFile;
import mpo4j.train.TrainListener;
import mpo4j.train.Trainable;
import mpo4j.engine.HostCopy;

/**
 * TR-DPO reference synchronisation (TRL's {@code sync_ref_model}): after every optimizer step whose
 * number is a multiple of {@code ref_model_sync_steps}, each reference parameter becomes
 * {@code alpha * policy + (1 - alpha) * reference}; {@code alpha = 1} copies the policy. As TRL's
 * {@code SyncRefModelCallback} it runs at the end of the step, before that step's evaluation and
 * checkpoint, so both see the new reference.
 *
 * <p>The reference moves during training, so every checkpoint stores it ({@value #FILE}, bit-exact
 * float32/float64) and a resume reads it back: a resumed run equals an uninterrupted one.
 */
final class ReferenceSync implements TrainListener {
    /** The reference weights inside a checkpoint folder. */
    static final String FILE = "reference.safetensors";

    private final Map<String, NDArray> policy;
    private final Map<String, NDArray> reference;
    private final double alpha;
    private final int every;

    private ReferenceSync(Map<String, NDArray> policy, Map<String, NDArray> reference, double alpha, int every) {
        this.policy = policy;
        this.reference = reference;
        this.alpha = alpha;
        this.every = every;
    }

    /**
     * Synchronisation of {@code reference} towards {@code policy}.
     *
     * @throws IllegalArgumentException when the reference is not a standalone copy with the policy's
     *     parameters (an adapter model's reference is its base with the adapters switched off, which
     *     shares the base weights and has none of the adapters)
     */
    static ReferenceSync of(CausalLm policy, CausalLm reference, double alpha, int every) {
        Map<String, NDArray> p = arrays(policy);
        Map<String, NDArray> r = arrays(reference);
        boolean sameLayout = p.keySet().equals(r.keySet()) && p.entrySet().stream().allMatch(e -> {
            NDArray ref = r.get(e.getKey());
            return ref != e.getValue() && ref.getShape().equals(e.getValue().getShape())
                    && ref.getDataType() == e.getValue().getDataType();
        });
        if (!sameLayout) {
            throw new IllegalArgumentException("sync_ref_model needs a standalone reference copy with the policy's parameters, but "
                    + "the reference of " + policy.getClass().getSimpleName() + " is " + reference
                    + " (for a LoRA model the reference is the base model with the adapters disabled: it shares the base weights "
                    + "and has no adapters to mix). Merge the adapters (LoraModel.mergeAndUnload()) and train the full model, "
                    + "or call syncRefModel(false)");
        }
        for (Map.Entry<String, NDArray> e : p.entrySet()) {
            DataType t = e.getValue().getDataType();
            if (t != DataType.FLOAT32 && t != DataType.FLOAT64) {
                throw new IllegalArgumentException("sync_ref_model mixes float32 or float64 weights; '" + e.getKey() + "' is " + t);
            }
        }
        return new ReferenceSync(p, r, alpha, every);
    }

    private static Map<String, NDArray> arrays(CausalLm model) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        model.parameters().forEach((name, parameter) -> out.put(name, parameter.getArray()));
        return out;
    }

    @Override
    public void onStep(Progress progress) {
        if (progress.step() % every == 0) {
            sync();
        }
    }

    /**
     * One synchronisation, in place, as TRL's {@code ref.mul_(1 - alpha).add_(policy, alpha=alpha)} on
     * PyTorch's CPU kernel: the scaled reference rounded to the weights' precision, then one fused
     * multiply-add; {@code alpha = 1} copies the policy exactly. The arithmetic runs on Java arrays, one
     * parameter at a time: measured ten times faster than three native calls per parameter here (the
     * heap holds two copies of the largest parameter at most).
     */
    void sync() {
        for (Map.Entry<String, NDArray> e : reference.entrySet()) {
            NDArray ref = e.getValue();
            NDArray pol = policy.get(e.getKey());
            if (alpha == 1) {
                pol.copyTo(ref);
            } else if (ref.getDataType() == DataType.FLOAT64) {
                double[] r = HostCopy.doubles(ref);
                double[] p = HostCopy.doubles(pol);
                for (int i = 0; i < r.length; i++) {
                    r[i] = Math.fma(alpha, p[i], r[i] * (1 - alpha));
                }
                ref.set(r);
            } else {
                float a = (float) alpha;
                float keep = (float) (1 - alpha);
                float[] r = HostCopy.floats(ref);
                float[] p = HostCopy.floats(pol);
                for (int i = 0; i < r.length; i++) {
                    r[i] = Math.fma(a, p[i], r[i] * keep);
                }
                ref.set(r);
            }
        }
    }

    /** Writes the reference weights (their own precision, bit-exact). */
    void write(Path file) throws IOException {
        TensorFile.write(file, reference);
    }

    /** Overwrites the reference with the weights a checkpoint stored. */
    void load(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("cannot resume " + checkpoint + " with syncRefModel(true): it holds no " + FILE
                    + " (it was trained without sync_ref_model)");
        }
        TensorFile.loadInto(file, reference);
    }

    /** The policy as the training loop sees it, with the reference written into every checkpoint. */
    Trainable trainable(ModelTrainable model) {
        return new PolicyAndReference(model);
    }

    private final class PolicyAndReference implements Trainable, Checkpoint.Companion {
        private final ModelTrainable model;

        PolicyAndReference(ModelTrainable model) { this.model = model; }

        @Override
        public Map<String, NDArray> trainableParameters() { return model.trainableParameters(); }

        @Override
        public void save(Path dir) { model.save(dir); }

        @Override
        public void loadInPlace(Path dir) { model.loadInPlace(dir); }

        @Override
        public void saveInto(Path checkpointDir) throws IOException { write(checkpointDir.resolve(FILE)); }
    }
}
