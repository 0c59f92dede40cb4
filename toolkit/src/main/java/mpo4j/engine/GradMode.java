package mpo4j.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * PyTorch's autograd switch is per thread: DJL turns it off on the thread that loads the engine, but
 * every other thread starts with it on, and then an in-place optimizer update on a parameter fails
 * ("a leaf Variable that requires grad is being used in an in-place operation") while evaluation
 * silently records graphs. Every public entry point that trains, evaluates or scores runs its body
 * through {@link #off}, so it works the same from any thread (an executor, {@code new Thread}, a
 * notebook cell). Inside a training step it is {@code torch.no_grad()}: sampling and the old-policy or
 * reference passes of an online trainer record no graph.
 */
public final class GradMode {
    private GradMode() {}

    /**
     * Runs {@code body} with autograd off on the current thread (a {@code GradientCollector} turns it on
     * for its own scope), then restores the thread's previous mode.
     */
    public static <T> T off(Supplier<T> body) {
        Engine.getEngine("PyTorch");            // the natives must be loaded before the first JniUtils call
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return body.get();
        } finally {
            JniUtils.setGradMode(before);
        }
    }
}
