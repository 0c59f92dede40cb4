package mpo4j.train;

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
 * Freed tensor memory goes back to the system, also after glibc's dynamic mmap threshold would have
 * risen: without {@link NativeHeap} the freed blocks below stay resident (holes under small live
 * blocks cannot be trimmed), which is how the real-size LoRA bench grew by GiBs at step 2.
 */
class NativeHeapTest {
    private static final Shape BLOCK = new Shape(4, 1024, 1024);     // 16 MiB of float32, below glibc's 32 MiB cap

    /*
     * Each measurement runs in a fresh JVM (main below): in the test JVM, earlier tests leave freed but
     * resident heap pages that a new allocation reuses, so the resident set would not show the blocks.
     */
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

    private static String inFreshJvm(String which) throws Exception {
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                NativeHeapTest.class.getName(), which).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        child.waitFor();
        return out;
    }

    /** Runs one measurement ({@code large} or {@code small}) and prints OK, or the assertion that failed. */
    public static void main(String[] args) {
        try {
            if (args[0].equals("large")) {
                largeBlocks();
            } else {
                smallBlocks();
            }
            System.out.println("OK");
        } catch (AssertionError e) {
            System.out.println("FAILED: " + e.getMessage());
        }
        System.exit(0);
    }

    static void largeBlocks() {
        assertTrue(NativeHeap.returnFreedBlocksToSystem(), "mallopt(M_MMAP_THRESHOLD) accepted");
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

    /** Blocks below the threshold come from malloc's heaps; their freed pages go back at the end of a step. */
    static void smallBlocks() {
        assertTrue(NativeHeap.returnFreedBlocksToSystem(), "mallopt(M_MMAP_THRESHOLD) accepted");
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
