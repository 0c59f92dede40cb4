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
 * no NDArray was alive in between. Two settings make the resident set follow the live tensors again:
 *
 * <ul>
 *   <li>A fixed threshold ({@code mallopt(M_MMAP_THRESHOLD)}, {@link #MMAP_THRESHOLD_BYTES}) turns the
 *       dynamic raise off: larger blocks (at real sizes a layer's hidden states, MLP and attention arrays,
 *       the output head's chunks) are mapped on their own and unmapped when freed. Smaller blocks are
 *       reused from malloc's heaps, because mapping each afresh costs a page fault per page: with a
 *       128 KiB or 1 MiB threshold the tiny model's MPO step (2 pairs of 384 tokens) took 855 to 917 ms
 *       instead of 435 to 452, with 2 MiB 461 ms.</li>
 *   <li>{@link #releaseFreePagesIfGrown()} after each optimizer step hands back ({@code malloc_trim}) the
 *       free pages that those smaller blocks leave in malloc's heaps, which otherwise fragment and grow:
 *       with the threshold alone the real-size resident set after steps 1 to 5 was 2427, 2600, 2792,
 *       2920, 3072 MiB (at 4 MiB: 5561 to 8278 MiB), with a trim after every step 2277 to 2300 MiB. It
 *       trims only when the resident set after a step is more than {@link #TRIM_ABOVE_MIB} MiB above
 *       the lowest seen after a step of this run, because the pages handed back are faulted in again
 *       by the next step (about 20% of the tiny model's step when trimmed every step).</li>
 * </ul>
 *
 * <p>A process-wide setting: applied once, by the training loop, and a no-op (returning false) where
 * the C library is not glibc's or not reachable.
 */
final class NativeHeap {
    /** glibc's {@code M_MMAP_THRESHOLD} parameter of {@code mallopt}. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** Blocks of at least this size are mapped on their own and unmapped when freed (see the class comment). */
    static final int MMAP_THRESHOLD_BYTES = 2 * 1024 * 1024;

    /** Growth of the resident set after a step, over the lowest after a step, that triggers a trim. */
    static final long TRIM_ABOVE_MIB = 256;

    private static Boolean applied;
    private static Function trim;
    private static long lowestKb = Long.MAX_VALUE;

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

    /** Starts a training run: the resident set after its steps is compared with its own lowest. */
    static synchronized void startRun() {
        lowestKb = Long.MAX_VALUE;
    }

    /**
     * After an optimizer step: {@link #releaseFreePages()} if the resident set is more than
     * {@link #TRIM_ABOVE_MIB} MiB above the lowest seen after a step since {@link #startRun()}.
     */
    static synchronized void releaseFreePagesIfGrown() {
        if (!Boolean.TRUE.equals(applied)) {
            return;
        }
        long rss = residentKb();
        if (rss > 0 && lowestKb != Long.MAX_VALUE && rss > lowestKb + TRIM_ABOVE_MIB * 1024) {
            releaseFreePages();
            rss = residentKb();
        }
        if (rss > 0) {
            lowestKb = Math.min(lowestKb, rss);
        }
    }

    /** {@code VmRSS} of this process in KiB, or -1 where {@code /proc} cannot be read. */
    private static long residentKb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Returns the free pages of malloc's heaps to the system ({@code malloc_trim(0)}); does nothing unless
     * {@link #returnFreedBlocksToSystem()} succeeded. Cheap next to a training step: it walks malloc's free
     * lists once.
     */
    static synchronized void releaseFreePages() {
        if (Boolean.TRUE.equals(applied)) {
            try {
                if (trim == null) {
                    trim = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc_trim");
                }
                trim.invokeInt(new Object[] {0});
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                applied = false;                                            // not glibc after all: stop trying
            }
        }
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
