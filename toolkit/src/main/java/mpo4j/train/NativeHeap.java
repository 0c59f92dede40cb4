package mpo4j.train;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Makes the C allocator hand freed tensor memory back to the operating system (glibc on Linux).
 *
 * <p>Why: libtorch allocates CPU tensors with {@code malloc}. glibc serves a block of at least its
 * mmap threshold (128 KiB at start) with its own {@code mmap} and unmaps it when freed, but the
 * threshold is dynamic: each freed mmap'ed block raises it to that block's size, up to 32 MiB. After
 * the first training step has freed its activations, every activation-sized block of the following
 * steps therefore comes from malloc's heaps, which keep freed pages resident and fragment across
 * threads. Measured on Qwen2.5-0.5B's dimensions with LoRA (12 of its 24 layers, one 384+352-token
 * pair): the resident set after step 1 was 3.7 GiB, after step 2 6.7 GiB, the step's own peak;
 * no NDArray was alive in between. Setting the threshold explicitly ({@code mallopt(M_MMAP_THRESHOLD)})
 * turns the dynamic raise off: blocks above it stay mmap'ed and go back to the system when freed. At
 * {@link #MMAP_THRESHOLD_BYTES} a layer's MLP and attention arrays at real sizes (14 to 16 MiB, and the
 * output head's chunks) are returned; smaller blocks, such as a short batch's hidden states, are reused
 * from malloc's heaps, because mapping each of them afresh costs a page fault per page: with a 1 MiB
 * threshold the tiny model's MPO step (2 pairs of 384 tokens) took 855 ms instead of 435 ms, with 2 or
 * 4 MiB 461 ms.
 *
 * <p>A process-wide setting: applied once, by the training loop, and a no-op (returning false) where
 * the C library is not glibc's or not reachable.
 */
final class NativeHeap {
    /** glibc's {@code M_MMAP_THRESHOLD} parameter of {@code mallopt}. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** Blocks of at least this size are mapped on their own and unmapped when freed (see the class comment). */
    static final int MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024;

    private static Boolean applied;

    private NativeHeap() {}

    /**
     * Fixes glibc's mmap threshold at {@link #MMAP_THRESHOLD_BYTES} (once per process).
     *
     * @return true if the threshold is fixed (now or by an earlier call), false where it cannot be set
     */
    static synchronized boolean returnFreedBlocksToSystem() {
        if (applied == null) {
            applied = Platform.isLinux() && !Platform.isAndroid() && mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        }
        return applied;
    }

    private static boolean mallopt(int parameter, int value) {
        try {
            Function f = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallopt");
            return f.invokeInt(new Object[] {parameter, value}) == 1;      // glibc returns 1 on success
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;                                                   // e.g. musl without mallopt
        }
    }
}
