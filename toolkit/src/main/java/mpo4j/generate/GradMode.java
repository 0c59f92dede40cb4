package mpo4j.generate;

import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Runs work with autograd recording switched off, as PyTorch's {@code torch.no_grad()}: sampling and the
 * old-policy or reference passes of an online trainer happen inside the training step's gradient
 * collector, and would otherwise record a graph (and keep its activations) for arrays nobody
 * differentiates. Grad mode is thread-local in PyTorch, so this affects the calling thread only.
 */
public final class GradMode {
    private GradMode() {}

    /** The value of {@code work}, computed without recording a graph; the previous mode is restored after. */
    public static <T> T off(Supplier<T> work) {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return work.get();
        } finally {
            JniUtils.setGradMode(before);
        }
    }
}
