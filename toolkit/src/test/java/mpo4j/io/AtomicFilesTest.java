package mpo4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenFileHasTheModeOfAPlainNewFileNotTempFilesOwnerOnlyMode() throws IOException {
        Path file = dir.resolve("summary.json");
        AtomicFiles.writeString(file, "{\"a\": 1}\n");
        assertEquals("{\"a\": 1}\n", Files.readString(file));
        // the umask applies to 0666 exactly as for any new file (0644 under the usual umask 022);
        // Files.createTempFile + rename gave rw------- whatever the umask
        Set<PosixFilePermission> plain = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
        assertEquals(plain, Files.getPosixFilePermissions(file));
        if (plain.equals(PosixFilePermissions.fromString("rw-r--r--"))) {
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        assertEquals(List.of("plain", "summary.json"), names(dir));
    }

    @Test
    void aWrittenDirectoryHasTheModeOfAPlainNewDirectoryAndReplacesTheOldOne() throws IOException {
        Path out = dir.resolve("checkpoint");
        AtomicFiles.writeDirectory(out, tmp -> Files.writeString(tmp.resolve("old.txt"), "old"));
        AtomicFiles.writeDirectory(out, tmp -> {
            Files.writeString(tmp.resolve("config.json"), "{}");
            Files.createDirectory(tmp.resolve("sub"));
        });
        Set<PosixFilePermission> plain = Files.getPosixFilePermissions(Files.createDirectory(dir.resolve("plain")));
        assertEquals(plain, Files.getPosixFilePermissions(out));
        if (plain.equals(PosixFilePermissions.fromString("rwxr-xr-x"))) {
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        }
        assertEquals(List.of("config.json", "sub"), names(out));
        assertEquals(List.of("checkpoint", "plain"), names(dir)); // no temporary or old folder left
    }

    @Test
    void aFailedWriteKeepsTheOldContentAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        AtomicFiles.writeString(file, "old\n");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write("half of the new con".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old\n", Files.readString(file));
        assertEquals(List.of("metrics.jsonl"), names(dir));
    }

    @Test
    void aFailedDirectoryWriteKeepsTheOldDirectory() throws IOException {
        Path out = dir.resolve("model");
        AtomicFiles.writeDirectory(out, tmp -> Files.writeString(tmp.resolve("weights"), "v1"));
        assertThrows(IllegalStateException.class, () -> AtomicFiles.writeDirectory(out, tmp -> {
            Files.writeString(tmp.resolve("weights"), "v2 (half)");
            throw new IllegalStateException("NaN in weights");
        }));
        assertEquals("v1", Files.readString(out.resolve("weights")));
        assertEquals(List.of("model"), names(dir));
        assertFalse(Files.exists(dir.resolve("model").resolve("weights.tmp")));
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
