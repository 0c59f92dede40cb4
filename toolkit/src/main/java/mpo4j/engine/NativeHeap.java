package mpo4j.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Structure;

/**
 * Keeps the C allocator (glibc on Linux) from holding on to freed tensor memory across training steps,
 * without making small models pay for it.
 *
 * <p>Why: libtorch allocates CPU tensors with {@code malloc}. glibc serves a block of at least its mmap
 * threshold (128 KiB at start) with its own {@code mmap} and unmaps it when freed, but the threshold is
 * dynamic: each freed mmap'ed block raises it to that block's size, up to 32 MiB. From the first step on,
 * activation-sized blocks then come from malloc's heaps, which keep freed pages resident and fragment
 * across threads. Measured on the real-size bench step (Qwen2.5-0.5B's dimensions, 24 layers, LoRA r=16,
 * MPO, one 384+352-token pair) under glibc's dynamic threshold: 2139 MiB resident before step 1, 5733 MiB
 * after it (3470 MiB of it free in malloc's heaps), a peak of 6441 MiB in step 1.
 *
 * <p>Fixing the threshold ({@code mallopt(M_MMAP_THRESHOLD)} at {@link #MMAP_THRESHOLD_BYTES}) turns the
 * raise off: larger blocks are mapped on their own and unmapped when freed. Smaller ones still come from
 * the heaps, whose free pages a {@code malloc_trim} hands back after a step that left the resident set
 * more than {@link #TRIM_ABOVE_MIB} MiB above the run's lowest (not after every step: the next step faults
 * them in again). So fixed from the start, the real-size step peaked at 5707 MiB (bench of 30 November: 5739) and the
 * resident set after steps 1 to 5 stayed flat: 2338, 2388, 2393, 2283, 2387 MiB. Fixed only after step 1 it is too late: the heaps are already
 * that large, and steps 2 to 4 still peaked at 6769 to 6886 MiB.
 *
 * <p>The cost of a fixed threshold: every block above it is mapped afresh, a page fault per 4 KiB page,
 * and unmapped. On the demo's tiny VLM (logits and embedding-sized arrays of 2 to 3 MiB) that took the
 * demo's system CPU time from 23 to 104 s and its wall time from 327 to 363 s (an 8 MiB threshold: 72 s,
 * 348 s). Its SFT steps, 20 per JVM, one intra-op thread, variants interleaved on a busy machine (system
 * CPU seconds): glibc's default 0.41 and 0.38, fixed 2.23, 2.27 and 2.33; fixing glibc's trim threshold as
 * well (64 MiB) left it at 1.48 for 15 steps: the faults are the mappings'. With the dynamic threshold its
 * heaps settle at 450 to 660 MiB, 300 (SFT) to 460 MiB (MPO) of it free: harmless.
 *
 * <p>So the threshold is fixed only where the heaps would grow: at the start of a run when more than
 * {@link #FIX_ABOVE_MIB} MiB of native memory is live (the weights of a float32 model above about 270 M
 * parameters; 90 MiB for the tiny VLM, over 1710 MiB for the real-size step), or after a step that left
 * more than {@link #FIX_ABOVE_MIB} MiB free in malloc's heaps (a smaller model with large activations).
 * Without {@code mallinfo2} (glibc before 2.33) to tell, it is fixed at the start, as before. The tiny
 * VLM's SFT steps with this policy, interleaved with the above: 0.36, 0.34 and 0.34 system CPU
 * seconds, as glibc's default; 12 MPO steps: glibc's 1.60, fixed 3.05, this 1.67.
 *
 * <p>A process-wide setting, used by the training loop ({@link #startRun()}, {@link #afterStep()}); a
 * no-op where the C library is not glibc's or not reachable.
 */
public final class NativeHeap {
    /** glibc's {@code M_MMAP_THRESHOLD} parameter of {@code mallopt}. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** Blocks of at least this size are mapped on their own and unmapped when freed, once the threshold is fixed. */
    static final int MMAP_THRESHOLD_BYTES = 2 * 1024 * 1024;
    /** Once the threshold is fixed: growth of the resident set after a step, over the lowest of the run, that triggers a trim. */
    static final long TRIM_ABOVE_MIB = 256;
    /** Live native memory at the start of a run, or free memory in malloc's heaps after a step, that fixes the threshold. */
    static final long FIX_ABOVE_MIB = 1024;

    /** When the threshold is fixed: never (glibc's default), at the start of every run, or where the heaps would grow. */
    enum Policy { GLIBC, FIXED, ADAPTIVE }

    /** Package-private so that the policies can be measured against each other (NativeHeapSteps); ADAPTIVE otherwise. */
    static Policy policy = Policy.ADAPTIVE;

    /** What {@link #afterStep()} does. */
    enum Action { NOTHING, TRIM, FIX_THRESHOLD_AND_TRIM }

    private static boolean fixed;
    private static boolean unavailable = !Platform.isLinux() || Platform.isAndroid();
    private static Function trim;
    private static long lowestKb = Long.MAX_VALUE;

    private NativeHeap() {}

    /**
     * Starts a training run: fixes the mmap threshold if more than {@link #FIX_ABOVE_MIB} MiB of native
     * memory is live (see the class comment), and takes the resident set now as the run's lowest so far.
     */
    public static synchronized void startRun() {
        if (policy == Policy.FIXED || policy == Policy.ADAPTIVE && fixAtStart(liveBytes())) {
            fixThreshold();
        }
        long rss = residentKb();
        lowestKb = rss > 0 ? rss : Long.MAX_VALUE;
    }

    /**
     * After an optimizer step: fixes the mmap threshold if malloc's heaps hold more than
     * {@link #FIX_ABOVE_MIB} MiB of free memory; once it is fixed, hands free pages back
     * ({@code malloc_trim}) when the resident set is more than {@link #TRIM_ABOVE_MIB} MiB above the
     * lowest of the run (the pages handed back are faulted in again by the next step, so not every step).
     */
    public static synchronized void afterStep() {
        if (policy == Policy.GLIBC || unavailable) {
            return;
        }
        long rss = residentKb();
        Action action = afterStep(fixed, fixed ? 0 : freeBytes(), lowestKb, rss);
        if (action == Action.FIX_THRESHOLD_AND_TRIM) {
            fixThreshold();
        }
        if (action != Action.NOTHING) {
            releaseFreePages();
            rss = residentKb();
        }
        if (rss > 0) {
            lowestKb = Math.min(lowestKb, rss);
        }
    }

    /** Whether a run that starts with {@code liveBytes} of native memory in use (-1: unknown) fixes the threshold at once. */
    static boolean fixAtStart(long liveBytes) {
        return liveBytes < 0 || liveBytes > FIX_ABOVE_MIB << 20;
    }

    /**
     * The decision of {@link #afterStep()}: before the threshold is fixed, fix it (and trim) when malloc's
     * heaps hold more than {@link #FIX_ABOVE_MIB} MiB of free memory ({@code freeBytes}); once fixed, trim
     * when the resident set ({@code rssKb}) is more than {@link #TRIM_ABOVE_MIB} MiB above the run's lowest
     * ({@code lowestKb}; {@code Long.MAX_VALUE} or a non-positive reading: unknown, nothing to compare).
     */
    static Action afterStep(boolean thresholdFixed, long freeBytes, long lowestKb, long rssKb) {
        if (!thresholdFixed) {
            return freeBytes > FIX_ABOVE_MIB << 20 ? Action.FIX_THRESHOLD_AND_TRIM : Action.NOTHING;
        }
        boolean known = rssKb > 0 && lowestKb != Long.MAX_VALUE;
        return known && rssKb > lowestKb + (TRIM_ABOVE_MIB << 10) ? Action.TRIM : Action.NOTHING;
    }

    /**
     * Fixes glibc's mmap threshold at {@link #MMAP_THRESHOLD_BYTES} (once per process).
     *
     * @return true if the threshold is fixed (now or by an earlier call), false where it cannot be set
     */
    static synchronized boolean fixThreshold() {
        if (!fixed && !unavailable) {
            fixed = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
            unavailable = !fixed;
        }
        return fixed;
    }

    /**
     * Ends a training run (its tensors are freed): hands the free pages of malloc's heaps back to the
     * system whatever the threshold, once. Under glibc's dynamic threshold the heaps keep a run's freed
     * activations resident (the tiny VLM's 8-pair MPO steps leave about 600 MiB free in them), which a
     * notebook would otherwise carry from one training cell to the next.
     */
    public static synchronized void endRun() {
        if (policy != Policy.GLIBC && !unavailable) {
            trimHeaps();
        }
    }

    /** Whether this process's mmap threshold is fixed. */
    static synchronized boolean thresholdFixed() {
        return fixed;
    }

    /**
     * Returns the free pages of malloc's heaps to the system ({@code malloc_trim(0)}); does nothing unless
     * the threshold is fixed. Cheap next to a training step: it walks malloc's free lists once.
     */
    static synchronized void releaseFreePages() {
        if (fixed) {
            trimHeaps();
        }
    }

    /** {@code malloc_trim(0)}. */
    private static void trimHeaps() {
        try {
            if (trim == null) {
                trim = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc_trim");
            }
            trim.invokeInt(new Object[] {0});
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            unavailable = true;                                             // not glibc after all: stop trying
        }
    }

    /** {@code VmRSS} of this process in KiB, or -1 where {@code /proc} cannot be read. */
    static long residentKb() {
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

    /** Bytes malloc has handed out and not got back (heaps and own mappings), or -1 where glibc cannot tell. */
    static long liveBytes() {
        MallocInfo m = mallocInfo();
        return m == null ? -1 : m.uordblks + m.hblkhd;
    }

    /** Free bytes in malloc's heaps (resident or not), or -1 where glibc cannot tell. */
    static long freeBytes() {
        MallocInfo m = mallocInfo();
        return m == null ? -1 : m.fordblks;
    }

    /** {@code mallinfo2()} (glibc 2.33 on), or null. */
    static MallocInfo mallocInfo() {
        if (unavailable) {
            return null;
        }
        try {
            Function f = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallinfo2");
            return (MallocInfo) f.invoke(MallocInfo.class, new Object[0]);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    /**
     * glibc's {@code struct mallinfo2}, as {@code mallinfo2()} returns it; public only because JNA fills
     * it by reflection. Of its fields this class reads {@code uordblks} (bytes in use in malloc's heaps),
     * {@code hblkhd} (bytes in blocks mapped on their own) and {@code fordblks} (free bytes in the heaps).
     */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"})
    public static final class MallocInfo extends Structure implements Structure.ByValue {
        /** Bytes of malloc's heaps that glibc got from the system. */
        public long arena;
        /** Number of free chunks. */
        public long ordblks;
        /** Number of free fastbin blocks. */
        public long smblks;
        /** Number of blocks mapped on their own. */
        public long hblks;
        /** Bytes in blocks mapped on their own. */
        public long hblkhd;
        /** Unused (always 0). */
        public long usmblks;
        /** Bytes in free fastbin blocks. */
        public long fsmblks;
        /** Bytes in use in malloc's heaps. */
        public long uordblks;
        /** Free bytes in malloc's heaps. */
        public long fordblks;
        /** Free bytes at the top of the main heap that malloc_trim could release. */
        public long keepcost;
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
