package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a training JVM after it wrote a checkpoint, then resume: same metrics as an uninterrupted run. */
class KillResumeTest {

    @Test
    void resumeAfterKillNineEqualsAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Djava.awt.headless=true", ToyTrainMain.class.getName(), out.toString(), "150")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!Files.isDirectory(out.resolve("checkpoint-4")) && child.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.isDirectory(out.resolve("checkpoint-4")), "child wrote no checkpoint: " + Files.readString(tmp.resolve("child.log")));
            assertTrue(child.isAlive(), "the child must still be training when killed");
        } finally {
            child.destroyForcibly();                                   // SIGKILL on Linux
            child.waitFor(10, TimeUnit.SECONDS);
        }
        assertFalse(Files.isDirectory(out.resolve("checkpoint-20")), "killed mid-run");
        try (Stream<Path> s = Files.list(out)) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            // a temp dir of a checkpoint being written may remain; complete ones are only checkpoint-N
            assertTrue(names.stream().filter(n -> n.startsWith("checkpoint-")).allMatch(n -> Files.isRegularFile(out.resolve(n).resolve("trainer_state.json"))), names.toString());
        }

        try (Toy.Model reference = new Toy.Model(7); Toy.Model resumed = new Toy.Model(11)) {
            TrainRun full = Toy.trainer(reference).evalEvery(3).fit();
            TrainRun continued = Toy.trainer(resumed).evalEvery(3).output(out).saveEvery(2).resume(out);
            assertEquals(TrainLoop.withoutTiming(full.log().rows()), TrainLoop.withoutTiming(continued.log().rows()));
            assertArrayEquals(reference.weights(), resumed.weights());
        }
    }
}
