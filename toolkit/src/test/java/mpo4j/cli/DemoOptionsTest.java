package mpo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoOptionsTest {
    @Test
    void defaultsAreTheMeasuredRecipe() {
        Demo.Options o = Demo.Options.parse(new String[0]);
        assertEquals(new Demo.Options(Path.of("runs/demo"), Path.of("datasets-sample"), 42, 4, 3, 100000, 100000, 3e-4, 2e-4), o);
    }

    @Test
    void flagsOverrideDefaultsInAnyOrder() {
        Demo.Options o = Demo.Options.parse(new String[] {"--mpo-lr", "5e-4", "--out", "runs/x", "--mpo-epochs", "1"});
        assertEquals(5e-4, o.mpoLr());
        assertEquals(Path.of("runs/x"), o.out());
        assertEquals(1, o.mpoEpochs());
        assertEquals(4, o.sftEpochs());
    }

    @Test
    void unknownFlagsMissingValuesAndNonNumbersAreRejectedByName() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse(new String[] {"--epochs", "3"}));
        assertTrue(e.getMessage().startsWith("unknown option --epochs (known: --data, --eval-limit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse(new String[] {"--out"}));
        assertEquals("--out needs a value", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse(new String[] {"--sft-epochs", "four"}));
        assertTrue(e.getMessage().contains("four"), e.getMessage());
    }

    @Test
    void theGrpoStageIsChosenByFlagWithItsOwnSettings() {
        assertEquals(Demo.Stage.MPO, Demo.Options.parse(new String[0]).stage());
        Demo.Options o = Demo.Options.parse(new String[] {"--stage", "grpo", "--grpo-steps", "5", "--grpo-lr", "1e-4",
                "--grpo-generations", "4", "--grpo-temperature", "1.2", "--grpo-batch", "2", "--grpo-beta", "0.04",
                "--grpo-scale-rewards", "none"});
        assertEquals(Demo.Stage.GRPO, o.stage());
        assertEquals(new Demo.Grpo(5, 1e-4, 4, 1.2, 2, 0.04, "none"), o.grpo());
        assertEquals("--grpo-beta must be a finite number >= 0, got -0.1", parseError("--grpo-beta", "-0.1"));
        assertEquals("--grpo-scale-rewards must be group, batch or none, got std", parseError("--grpo-scale-rewards", "std"));
        assertEquals("--stage must be mpo or grpo, got \"ppo\"", parseError("--stage", "ppo"));
        assertEquals("--grpo-generations must be >= 2 (a group needs two rewards to compare), got 1", parseError("--grpo-generations", "1"));
        assertEquals("--grpo-steps must be >= 1, got 0", parseError("--grpo-steps", "0"));
        assertEquals("--grpo-temperature must be a positive finite number, got 0.0", parseError("--grpo-temperature", "0"));
    }

    @Test
    void evaluationBatchesDivideTheHeldOutSetSoAccuraciesAreExactShares() {
        assertEquals(15, Demo.exactBatch(150));
        assertEquals(16, Demo.exactBatch(64));
        assertEquals(14, Demo.exactBatch(70));
        assertEquals(1, Demo.exactBatch(17));
        assertEquals(3, Demo.exactBatch(3));
    }

    @Test
    void outOfRangeValuesAreRejectedByFlagAndValue() {
        assertEquals("--train-limit must be >= 1, got -1", parseError("--train-limit", "-1"));
        assertEquals("--eval-limit must be >= 1, got 0", parseError("--eval-limit", "0"));
        assertEquals("--sft-epochs must be >= 1, got 0", parseError("--sft-epochs", "0"));
        assertEquals("--mpo-epochs must be >= 1, got -3", parseError("--mpo-epochs", "-3"));
        assertEquals("--sft-lr must be a positive finite number, got NaN", parseError("--sft-lr", "NaN"));
        assertEquals("--mpo-lr must be a positive finite number, got Infinity", parseError("--mpo-lr", "Infinity"));
        assertEquals("--sft-lr must be a positive finite number, got -1.0E-4", parseError("--sft-lr", "-1e-4"));
        assertEquals("--sft-epochs must be a whole number, got \"four\"", parseError("--sft-epochs", "four"));
        assertEquals("--train-limit must be a whole number, got \"3000000000\"", parseError("--train-limit", "3000000000"));
        assertEquals("--out must be a path, got an empty value", parseError("--out", ""));
    }

    @Test
    void missingDataAndUnwritableOutputAreFoundBeforeAnyWork(@TempDir Path tmp) throws IOException {
        Path none = tmp.resolve("nonexistent");
        assertEquals("--data " + none + ": folder not found", checkError("--data", none.toString()));
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertEquals("--data " + empty + ": missing shapes/meta.json (expected the datasets-sample layout)",
                checkError("--data", empty.toString(), "--out", tmp.resolve("out").toString()));
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        String e = checkError("--data", sampleData().toString(), "--out", file.resolve("run").toString());
        assertTrue(e.startsWith("--out " + file.resolve("run") + ": cannot create or write the folder ("), e);
        // a good data folder and a fresh output folder pass, and the folder is created
        Demo.Options ok = Demo.Options.parse(new String[] {"--data", sampleData().toString(), "--out", tmp.resolve("runs/x").toString()});
        ok.checkFiles();
        assertTrue(Files.isDirectory(tmp.resolve("runs/x")));
    }

    /** The GRPO stage also needs the online-training questions; the main job does not. */
    @Test
    void theGrpoStageNeedsTheOnlineTrainingSplit(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("data");
        for (String f : Demo.Options.DATA_FILES) {
            Files.createDirectories(data.resolve(f).getParent());
            Files.writeString(data.resolve(f), "{}");
        }
        Demo.Options.parse(new String[] {"--data", data.toString(), "--out", tmp.resolve("out").toString()}).checkFiles();
        assertEquals("--data " + data + ": missing shapes/meta_rl.json (expected the datasets-sample layout)",
                checkError("--data", data.toString(), "--out", tmp.resolve("out").toString(), "--stage", "grpo"));
    }

    @Test
    void theCommandPrintsOneLineAndExitsWithStatus2(@TempDir Path tmp) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "mpo4j.cli.Demo", "--data", tmp.resolve("nonexistent").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertEquals(List.of("mpo4j demo: --data " + tmp.resolve("nonexistent") + ": folder not found (./mpo4j demo --help lists the options)"),
                err.lines().toList());
    }

    private static String parseError(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse(args)).getMessage();
    }

    private static String checkError(String... args) {
        Demo.Options o = Demo.Options.parse(args);
        return assertThrows(IllegalArgumentException.class, o::checkFiles).getMessage();
    }

    /** Tests run in toolkit/; the sample data is the repository's. */
    private static Path sampleData() {
        return Path.of("..", "datasets-sample").normalize();
    }
}
