package mpo4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 1: what a crash leaves at each point of a directory swap, and how the next write or load undoes it. */
class AtomicFilesRecoveryTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCrashBetweenTheTwoRenamesIsUndoneByRestoringTheOldFolder() throws IOException {
        // the state right after "target → .run.old-…" and before ".run.tmp-… → target"
        Files.createDirectories(dir.resolve(".run.old-1a2b"));
        Files.writeString(dir.resolve(".run.old-1a2b").resolve("v"), "old");
        Files.createDirectories(dir.resolve(".run.tmp-3c4d"));
        Files.writeString(dir.resolve(".run.tmp-3c4d").resolve("v"), "new");
        AtomicFiles.recover(dir.resolve("run"));
        assertEquals(List.of("run"), names());
        assertEquals("old", Files.readString(dir.resolve("run").resolve("v")));
    }

    @Test
    void aCrashWhileFillingOrDeletingLeavesTheTargetAndTheNextWriteCleansUp() throws IOException {
        AtomicFiles.writeDirectory(dir.resolve("run"), d -> Files.writeString(d.resolve("v"), "1"));
        Files.createDirectories(dir.resolve(".run.tmp-5e5e").resolve("half"));        // crashed while filling
        Files.createDirectories(dir.resolve(".run.old-6f6f"));                         // crashed while deleting the old one
        Files.writeString(dir.resolve(".summary.json.tmp-77"), "{");                   // crashed file write
        Files.writeString(dir.resolve(".metrics.jsonl4242.tmp"), "{");                 // the old writers' temp file
        Files.createDirectories(dir.resolve(".checkpoint-4-123456789"));                // the old checkpoint temp folder
        AtomicFiles.writeDirectory(dir.resolve("run"), d -> Files.writeString(d.resolve("v"), "2"));
        assertEquals("2", Files.readString(dir.resolve("run").resolve("v")));
        assertTrue(names().contains(".summary.json.tmp-77"), "writing 'run' only cleans up after 'run'");
        AtomicFiles.removeTemporaries(dir);
        assertEquals(List.of("run"), names());
    }

    @Test
    void deleteDirectoryNeverLeavesAHalfDeletedFolderUnderItsName() throws IOException {
        AtomicFiles.writeDirectory(dir.resolve("checkpoint-2"), d -> Files.writeString(d.resolve("trainer_state.json"), "{}"));
        AtomicFiles.deleteDirectory(dir.resolve("checkpoint-2"));
        assertFalse(Files.exists(dir.resolve("checkpoint-2")));
        assertEquals(List.of(), names());
    }
}
