package mpo4j.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import java.util.SplittableRandom;
import mpo4j.engine.Dropout;
import mpo4j.engine.Scalar;
import mpo4j.model.AdaptableLinear;
import mpo4j.model.LinearAdapter;

/**
 * One LoRA adapter on one linear layer: {@code delta(x) = scaling * dropout(x) A^T B^T} with
 * {@code A [r, in]} and {@code B [out, r]}, PEFT's {@code lora_A} and {@code lora_B}. The layer's
 * output becomes {@code x W^T + b + delta(x)}, in that order of operations, as PEFT's
 * {@code result + lora_B(lora_A(dropout(x))) * scaling}.
 *
 * <p>Initialisation as PEFT's default ({@code init_lora_weights=True}): {@code A} from
 * {@code kaiming_uniform_(a=sqrt(5))}, i.e. uniform in {@code [-1/sqrt(in), 1/sqrt(in)]} (gain
 * {@code sqrt(2 / (1 + 5)) = sqrt(1/3)}, bound {@code gain * sqrt(3 / fan_in)}), {@code B} zeros, so a
 * fresh adapter changes nothing. Dropout is applied only while gradients are recorded (a training
 * step) and {@link Dropout#enabled()} (a preference trainer with {@code disableDropout}, the default,
 * turns it off, as TRL's {@code disable_dropout} does); evaluation and generation see {@code x} unchanged.
 */
public final class LoraLayer implements LinearAdapter {
    private final AdaptableLinear target;
    private final Parameter loraA;
    private final Parameter loraB;
    private final double scaling;
    private final float dropout;

    private LoraLayer(AdaptableLinear target, Parameter loraA, Parameter loraB, double scaling, float dropout) {
        this.target = target;
        this.loraA = loraA;
        this.loraB = loraB;
        this.scaling = scaling;
        this.dropout = dropout;
    }

    /**
     * A fresh adapter of rank {@code r} on {@code target}, its arrays in {@code manager} and requiring
     * gradients: {@code A} kaiming-uniform from {@code random}, {@code B} zeros.
     */
    public static LoraLayer create(AdaptableLinear target, int r, double scaling, double dropout, NDManager manager,
                                   SplittableRandom random) {
        long in = target.inFeatures();
        double bound = 1 / Math.sqrt(in);
        float[] a = new float[Math.toIntExact(r * in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        String module = target.moduleName();
        Parameter loraA = parameter(module + ".lora_A.weight", manager.create(a, new Shape(r, in)));
        Parameter loraB = parameter(module + ".lora_B.weight", manager.zeros(new Shape(target.outFeatures(), r)));
        return new LoraLayer(target, loraA, loraB, scaling, (float) dropout);
    }

    private static Parameter parameter(String name, NDArray array) {
        array.setName(name);
        array.setRequiresGradient(true);
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(array.getShape()).optArray(array).optRequiresGrad(true).build();
    }

    /** The layer this adapter is attached to. */
    public AdaptableLinear target() { return target; }

    /** {@code lora_A} {@code [r, in]}. */
    public Parameter loraA() { return loraA; }

    /** {@code lora_B} {@code [out, r]}. */
    public Parameter loraB() { return loraB; }

    /** The rank {@code r}. */
    public int rank() { return Math.toIntExact(loraA.getArray().getShape().get(0)); }

    /** The factor of the adapter output ({@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA). */
    public double scaling() { return scaling; }

    @Override
    public NDArray delta(NDArray x) {
        NDArray in = dropout > 0 && JniUtils.isGradMode() && Dropout.enabled()
                ? x.getNDArrayInternal().dropout(x, dropout, true).singletonOrThrow() : x;
        NDArray down = in.getNDArrayInternal().linear(in, loraA.getArray(), null).singletonOrThrow();
        // the scaling multiplies the r-wide activation, not the out-wide result: one pass over [.., r] instead of
        // an output-sized array forward and backward (PEFT scales the result; the same up to rounding, exactly
        // the same when the scaling is a power of two, as for alpha = 2r)
        NDArray scaled = Scalar.mul(down, scaling);
        return scaled.getNDArrayInternal().linear(scaled, loraB.getArray(), null).singletonOrThrow();
    }

    /**
     * The weight change this adapter stands for, {@code scaling * (B A)} {@code [out, in]} (PEFT's
     * {@code get_delta_weight}), in {@code scope}.
     */
    public NDArray deltaWeight(NDManager scope) {
        NDArray b = scope.create(loraB.getArray().toFloatArray(), loraB.getArray().getShape());
        NDArray a = scope.create(loraA.getArray().toFloatArray(), loraA.getArray().getShape());
        return Scalar.mul(b.matMul(a), scaling);
    }

    @Override
    public String toString() {
        return "LoraLayer(" + target.moduleName() + ", r=" + rank() + ", scaling=" + scaling + ")";
    }
}
