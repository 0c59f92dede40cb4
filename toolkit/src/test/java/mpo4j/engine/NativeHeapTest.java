package mpo4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Platform;
import java.util.ArrayList;
import java.util.List;
import mpo4j.bench.Memory;
import org.junit.jupiter.api.Test;

/**
 * Freed tensor memory goes back to the system once the threshold is fixed, also after glibc's dynamic
 * mmap threshold would have risen: without it the freed blocks below stay resident (holes under small
 * live blocks cannot be trimmed), which is how the real-size LoRA bench grew by GiBs. And the threshold is
 * fixed only where that growth is due: large live memory at the start of a run, or a step that left more
 * than {@link NativeHeap#FIX_ABOVE_MIB} MiB free in malloc's heaps.
 */
class NativeHeapTest {
    private static final Shape BLOCK = new Shape(4, 1024, 1024);     // 16 MiB of float32, below glibc's 32 MiB cap
    private static final long MIB = 1 << 20;
    private static final long KIB_PER_MIB = 1024;

    @Test
    void aRunFixesTheThresholdAtOnceOnlyAboveAGibOfLiveNativeMemory() {
        assertFalse(NativeHeap.fixAtStart(90 * MIB), "the demo's tiny VLM: 90 MiB live at the start of SFT");
        assertFalse(NativeHeap.fixAtStart(1024 * MIB), "exactly the limit is not above it");
        assertTrue(NativeHeap.fixAtStart(1024 * MIB + 1));
        assertTrue(NativeHeap.fixAtStart(1710 * MIB), "the real-size step: 1710 MiB of mapped weights alone");
        assertTrue(NativeHeap.fixAtStart(-1), "unknown (no mallinfo2): fixed, as before the adaptive policy");
    }

    @Test
    void beforeTheThresholdIsFixedOnlyFreeHeapMemoryAboveAGibFixesIt() {
        long lowest = 2139 * KIB_PER_MIB;
        // the tiny VLM's heaps settle at 300 (SFT) to 460 MiB (MPO) free; the resident set plays no part before fixing
        assertEquals(NativeHeap.Action.NOTHING, NativeHeap.afterStep(false, 460 * MIB, lowest, 8000 * KIB_PER_MIB));
        assertEquals(NativeHeap.Action.NOTHING, NativeHeap.afterStep(false, 1024 * MIB, lowest, lowest));
        assertEquals(NativeHeap.Action.FIX_THRESHOLD_AND_TRIM, NativeHeap.afterStep(false, 1024 * MIB + 1, lowest, lowest));
        // the real-size step under glibc's dynamic threshold: 3470 MiB free after step 1
        assertEquals(NativeHeap.Action.FIX_THRESHOLD_AND_TRIM, NativeHeap.afterStep(false, 3470 * MIB, lowest, 5733 * KIB_PER_MIB));
        assertEquals(NativeHeap.Action.NOTHING, NativeHeap.afterStep(false, -1, lowest, 5733 * KIB_PER_MIB), "unknown free memory");
    }

    @Test
    void onceFixedATrimFollowsGrowthOfMoreThan256MibOverTheLowest() {
        long lowest = 2139 * KIB_PER_MIB;
        // 2139 + 256 = 2395 MiB is the last resident set that needs no trim
        assertEquals(NativeHeap.Action.NOTHING, NativeHeap.afterStep(true, 0, lowest, 2395 * KIB_PER_MIB));
        assertEquals(NativeHeap.Action.TRIM, NativeHeap.afterStep(true, 0, lowest, 2395 * KIB_PER_MIB + 1));
        assertEquals(NativeHeap.Action.TRIM, NativeHeap.afterStep(true, 0, lowest, 5404 * KIB_PER_MIB));
        assertEquals(NativeHeap.Action.NOTHING, NativeHeap.afterStep(true, 4000 * MIB, lowest, 2300 * KIB_PER_MIB),
                "free heap memory alone does not trim once fixed: trimmed pages stay counted as free");
        assertEquals(NativeHeap.Action.NOTHING, NativeHeap.afterStep(true, 0, Long.MAX_VALUE, 5404 * KIB_PER_MIB), "no lowest yet");
        assertEquals(NativeHeap.Action.NOTHING, NativeHeap.afterStep(true, 0, lowest, -1), "no /proc");
    }

    @Test
    void theThresholdStaysDynamicUntilLiveOrFreeMemoryPassesTheLimit() throws Exception {
        assumeTrue(Platform.isLinux() && Memory.rssMb() > 0 && NativeHeap.mallocInfo() != null, "glibc 2.33+ and /proc only");
        String out = inFreshJvm("adaptive");
        assertTrue(out.lines().anyMatch("OK"::equals), out);
    }

    /*
     * Each measurement runs in a fresh JVM (main below): in the test JVM, earlier tests leave freed but
     * resident heap pages that a new allocation reuses, so the resident set would not show the blocks.
     */
    @Test
    void aRunThatStartsWithMoreThanAGibLiveFixesTheThreshold() throws Exception {
        assumeTrue(Platform.isLinux() && Memory.rssMb() > 0 && NativeHeap.mallocInfo() != null, "glibc 2.33+ and /proc only");
        String out = inFreshJvm("live");
        assertTrue(out.lines().anyMatch("OK"::equals), out);
    }

    @Test
    void freedActivationSizedBlocksLeaveTheResidentSet() throws Exception {
        assumeTrue(Platform.isLinux() && Memory.rssMb() > 0, "glibc and /proc only");
        String out = inFreshJvm("large");
        assertTrue(out.lines().anyMatch("OK"::equals), out);
    }

    @Test
    void freePagesOfSmallerBlocksAreReleasedAfterAStep() throws Exception {
        assumeTrue(Platform.isLinux() && Memory.rssMb() > 0, "glibc and /proc only");
        String out = inFreshJvm("small");
        assertTrue(out.lines().anyMatch("OK"::equals), out);
    }

    @Test
    void theEndOfARunReleasesFreeHeapPagesUnderTheDynamicThreshold() throws Exception {
        assumeTrue(Platform.isLinux() && Memory.rssMb() > 0, "glibc and /proc only");
        String out = inFreshJvm("end");
        assertTrue(out.lines().anyMatch("OK"::equals), out);
    }

    private static String inFreshJvm(String which) throws Exception {
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                NativeHeapTest.class.getName(), which).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        child.waitFor();
        return out;
    }

    /** Runs one measurement ({@code large}, {@code small} or {@code adaptive}) and prints OK, or the assertion that failed. */
    public static void main(String[] args) {
        try {
            switch (args[0]) {
                case "large" -> largeBlocks();
                case "small" -> smallBlocks();
                case "live" -> liveAtStart();
                case "end" -> endOfRun();
                default -> adaptive();
            }
            System.out.println("OK");
        } catch (AssertionError e) {
            System.out.println("FAILED: " + e.getMessage());
        }
        System.exit(0);
    }

    /**
     * The adaptive policy's wiring, read from malloc's own counts: arrays made with {@code create} are not
     * written, so a GiB of them costs address space and malloc's bookkeeping, not resident pages.
     */
    static void adaptive() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NativeHeap.startRun();
            NativeHeap.afterStep();
            assertFalse(NativeHeap.thresholdFixed(), "a fresh JVM has little live native memory and few free blocks");

            // a step of a smaller model with large activations: 1152 blocks of 1 MiB from malloc's heaps
            manager.create(BLOCK).close();                  // a freed 16 MiB mapping raises glibc's dynamic threshold above 1 MiB
            List<NDArray> blocks = new ArrayList<>();
            List<NDArray> pins = new ArrayList<>();
            for (int i = 0; i < 1152; i++) {
                blocks.add(manager.create(new Shape(256, 1024)));
                pins.add(manager.create(new Shape(16)));      // keeps the freed block apart from the heap's top
            }
            blocks.forEach(NDArray::close);
            long free = NativeHeap.freeBytes();
            assertTrue(free > 1152 * MIB, "1152 MiB freed in the heaps, malloc counts " + free / MIB + " MiB free");
            NativeHeap.afterStep();
            assertTrue(NativeHeap.thresholdFixed(), "fixed after a step that left " + free / MIB + " MiB free");
        }
    }

    /** A model of 1152 MiB (an unwritten array: address space, not resident pages) is live when the run starts. */
    static void liveAtStart() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NativeHeap.startRun();
            assertFalse(NativeHeap.thresholdFixed(), "a fresh JVM has little live native memory");
            NDArray weights = manager.create(new Shape(288, 1024, 1024));
            long live = NativeHeap.liveBytes();
            assertTrue(live > 1152 * MIB, "1152 MiB allocated, malloc counts " + live / MIB + " MiB live");
            NativeHeap.startRun();
            assertTrue(NativeHeap.thresholdFixed(), "fixed at the start of a run with " + live / MIB + " MiB live");
            weights.close();
        }
    }

    static void largeBlocks() {
        assertTrue(NativeHeap.fixThreshold(), "mallopt(M_MMAP_THRESHOLD) accepted");
        try (NDManager manager = NDManager.newBaseManager()) {
            // what a first training step does: a large block freed (this is what raises a dynamic threshold)
            manager.ones(BLOCK).close();
            double before = Memory.rssMb();
            List<NDArray> blocks = new ArrayList<>();
            List<NDArray> pins = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                blocks.add(manager.ones(BLOCK));           // every page written
                pins.add(manager.ones(new Shape(16)));     // a small live block after each one
            }
            double held = Memory.rssMb();
            blocks.forEach(NDArray::close);
            double after = Memory.rssMb();
            assertTrue(held - before > 100, "8 × 16 MiB resident while held: " + before + " -> " + held + " MiB");
            assertTrue(after - before < 32, "freed blocks returned: " + before + " MiB before, " + held + " held, " + after + " after");
        }
    }

    /**
     * The tiny model's case: the threshold stays glibc's dynamic one, so a run's freed 1 MiB activations stay
     * resident in the heaps (nothing trims them after a step); the end of the run hands them back.
     */
    static void endOfRun() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NativeHeap.startRun();
            manager.ones(BLOCK).close();                    // a freed 16 MiB mapping raises the dynamic threshold
            double before = Memory.rssMb();
            List<NDArray> blocks = new ArrayList<>();
            List<NDArray> pins = new ArrayList<>();
            for (int i = 0; i < 96; i++) {
                blocks.add(manager.ones(new Shape(256, 1024)));   // 1 MiB, from the heaps now
                pins.add(manager.ones(new Shape(16)));
            }
            double held = Memory.rssMb();
            blocks.forEach(NDArray::close);
            NativeHeap.afterStep();
            double afterStep = Memory.rssMb();
            NativeHeap.endRun();
            double released = Memory.rssMb();
            assertFalse(NativeHeap.thresholdFixed(), "96 MiB free does not fix the threshold");
            assertTrue(held - before > 80, "96 × 1 MiB resident while held: " + before + " -> " + held + " MiB");
            assertTrue(afterStep - before > 80, "still resident after the step: " + before + " -> " + afterStep + " MiB");
            assertTrue(released - before < 24, "after the run: " + before + " MiB before, " + held + " held, " + afterStep
                    + " after the step, " + released + " after the run");
        }
    }

    /** Blocks below the threshold come from malloc's heaps; their freed pages go back at the end of a step. */
    static void smallBlocks() {
        assertTrue(NativeHeap.fixThreshold(), "mallopt(M_MMAP_THRESHOLD) accepted");
        try (NDManager manager = NDManager.newBaseManager()) {
            double before = Memory.rssMb();
            List<NDArray> blocks = new ArrayList<>();
            List<NDArray> pins = new ArrayList<>();
            for (int i = 0; i < 96; i++) {
                blocks.add(manager.ones(new Shape(256, 1024)));   // 1 MiB, below the threshold
                pins.add(manager.ones(new Shape(16)));
            }
            double held = Memory.rssMb();
            blocks.forEach(NDArray::close);
            double freed = Memory.rssMb();
            NativeHeap.releaseFreePages();
            double released = Memory.rssMb();
            assertTrue(held - before > 80, "96 × 1 MiB resident while held: " + before + " -> " + held + " MiB");
            assertTrue(released - before < 24, "after malloc_trim: " + before + " MiB before, " + held + " held, " + freed
                    + " freed, " + released + " released");
        }
    }
}
