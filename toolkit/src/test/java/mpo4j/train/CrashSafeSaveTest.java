package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 1: {@code TrainRun.save(dir)} is all or nothing. A child JVM saves to one folder over
 * and over and is killed with SIGKILL ({@code destroyForcibly}) at a random moment, 20 times: every time
 * the folder holds a complete save (the last one the child reported, or the one it was writing), and
 * the save after the last kill leaves no temporary anywhere.
 */
class CrashSafeSaveTest {
    private static final int KILLS = 20;
    private static final byte[] PNG_END = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    @Test
    void killNineDuringSavesLeavesTheOldOrTheNewCompleteSave(@TempDir Path tmp) throws Exception {
        long t0 = System.nanoTime();
        Path dir = tmp.resolve("run");
        Set<String> panels = pngNames(RunSaveMain.runAt(1).save(tmp.resolve("reference")).resolve("plots"));
        // what a crash under the old writers left: must not survive the next save either
        Files.createDirectories(dir.resolve("plots"));
        Files.writeString(dir.resolve("plots").resolve(".curve123.png.tmp"), "half a png");
        Files.createDirectories(dir.resolve(".model.tmp-1234"));
        Files.createDirectories(tmp.resolve(".run.tmp-5eed"));

        Random random = new Random(13);
        int known = 0;              // k of the complete save verified after the previous kill
        int newer = 0;              // kills after which the folder held the save the child had not reported yet
        int betweenRenames = 0;     // kills that fell between the two renames of the swap
        int duringSave = 0;         // kills that left a half-built save behind
        for (int round = 0; round < KILLS; round++) {
            Path log = tmp.resolve("child-" + round + ".log");
            Process child = start(dir, log);
            try {
                waitForLine(child, log, "start ");
                Thread.sleep(random.nextInt(600));
            } finally {
                child.destroyForcibly();                              // SIGKILL on Linux
                assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the killed child did not end");
            }
            List<String> lines = RunSaveMain.lines(log);
            assertEquals("start " + known, lines.get(0), "the child resumes from the last complete save");
            int reported = lines.stream().filter(l -> l.startsWith("saved ")).mapToInt(l -> Integer.parseInt(l.substring(6)))
                    .max().orElse(known);

            List<String> leftovers = hiddenSiblings(tmp, "run");
            assertTrue(leftovers.size() <= 2, "temporaries of earlier kills must be gone: " + leftovers);
            duringSave += leftovers.stream().anyMatch(n -> n.startsWith(".run.tmp-")) ? 1 : 0;
            if (!Files.exists(dir)) {
                betweenRenames++;
                assertTrue(leftovers.stream().anyMatch(n -> n.startsWith(".run.old-")),
                        "without the folder a complete old one must wait under .run.old-: " + leftovers);
            }
            int k = RunSaveMain.savedStep(dir);          // what every save does first: recover a crashed swap
            assertTrue(k == reported || k == reported + 1, "round " + round + ": reported " + reported + ", folder holds " + k);
            newer += k == reported + 1 ? 1 : 0;
            if (k > 0) {            // k = 0: killed before the first save finished, nothing to check yet
                assertCompleteSave(dir, k, panels);
            }
            known = k;
        }

        RunSaveMain.runAt(known + 1).save(dir);
        assertCompleteSave(dir, known + 1, panels);
        assertEquals(List.of(), hiddenSiblings(tmp, "run"), "no temporary next to the folder after the next save");
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> hidden = all.filter(p -> p.getFileName().toString().startsWith(".")).toList();
            assertEquals(List.of(), hidden, "no temporary inside the folder");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("crash-safe save: %d kills, %d inside a save, %d held the unreported newer save,"
                + " %d fell between the two renames, %.1f s%n", KILLS, duringSave, newer, betweenRenames, seconds);
        assertTrue(duringSave >= KILLS / 4, "most kills must land inside a save to test anything: " + duringSave);
        assertTrue(seconds < 90, "the kill test must stay cheap for CI: " + seconds + " s");
    }

    private static Process start(Path dir, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Djava.awt.headless=true",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", RunSaveMain.class.getName(), dir.toString(), "100000")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void waitForLine(Process child, Path log, String prefix) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (RunSaveMain.lines(log).stream().noneMatch(l -> l.startsWith(prefix))) {
            assertTrue(child.isAlive(), "the child ended early: " + Files.readString(log));
            assertTrue(System.currentTimeMillis() < deadline, "the child did not start: " + Files.readString(log));
            Thread.sleep(10);
        }
    }

    /** Exactly the entries a save writes, all of save {@code k}. */
    private static void assertCompleteSave(Path dir, int k, Set<String> panels) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(Set.of("model", "metrics.jsonl", "metrics.csv", "plots"),
                    s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertEquals(Integer.toString(k), Files.readString(dir.resolve("model/step.txt")));
        byte[] weights = Files.readAllBytes(dir.resolve("model/weights.bin"));
        assertEquals(RunSaveMain.WEIGHT_BYTES, weights.length);
        byte[] expected = new byte[weights.length];
        Arrays.fill(expected, (byte) k);
        assertArrayEquals(expected, weights, "weights of save " + k);
        List<java.util.Map<String, Double>> rows = MetricsLog.readJsonl(dir.resolve("metrics.jsonl")).rows();
        assertEquals(k, rows.size());
        assertEquals(k, rows.get(k - 1).get("step"));
        assertEquals(k + 1, Files.readAllLines(dir.resolve("metrics.csv")).size());
        assertEquals(panels, pngNames(dir.resolve("plots")));
        for (String png : panels) {
            byte[] bytes = Files.readAllBytes(dir.resolve("plots").resolve(png));
            assertArrayEquals(PNG_END, Arrays.copyOfRange(bytes, bytes.length - PNG_END.length, bytes.length), png + " is complete");
        }
    }

    private static Set<String> pngNames(Path plots) throws IOException {
        try (Stream<Path> s = Files.list(plots)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<String> hiddenSiblings(Path parent, String name) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + name + ".")).sorted().toList();
        }
    }
}
