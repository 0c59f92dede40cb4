package mpo4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A JSONL file indexed by line: one pass records where each non-blank line starts and ends, then
 * {@link #line(int)} reads a single line with a positional read. Memory is one {@code long} and one
 * {@code int} per line (a 3-million-line file costs ~36 MB of index, never 3 million objects), plus
 * one more {@code int} per line only when the file has blank lines.
 */
final class JsonlFile {
    private final Path path;
    private final String name;
    private final long[] starts;     // byte offset of each non-blank line
    private final int[] lengths;     // its length in bytes, without the '\n'
    private final int[] lineNumbers; // 1-based physical line numbers, or null when record i is line i + 1

    private JsonlFile(Path path, long[] starts, int[] lengths, int[] lineNumbers) {
        this.path = path;
        this.name = path.toString();
        this.starts = starts;
        this.lengths = lengths;
        this.lineNumbers = lineNumbers;
    }

    /** Indexes {@code path}; blank lines are not records but still count for line numbers. */
    static JsonlFile index(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new DatasetException(new Source(path.toString(), 0), null, "file not found");
        }
        long[] starts = new long[1024];
        int[] lengths = new int[1024];
        int[] numbers = new int[1024];
        boolean sawBlank = false;
        int n = 0;
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buf = new byte[1 << 16];
            long pos = 0;          // absolute offset of buf[0]
            long lineStart = 0;
            int physical = 1;
            boolean blank = true;  // only whitespace seen since lineStart
            int read;
            while ((read = in.read(buf)) > 0) {
                if (pos == 0) {
                    String problem = Utf8.byteOrderMarkProblem(buf, read);
                    if (problem != null) throw new DatasetException(new Source(path.toString(), 1), null, problem);
                }
                for (int k = 0; k < read; k++) {
                    byte b = buf[k];
                    if (b == '\n') {
                        if (!blank) {
                            if (n == starts.length) {
                                starts = Arrays.copyOf(starts, n * 2);
                                lengths = Arrays.copyOf(lengths, n * 2);
                                numbers = Arrays.copyOf(numbers, n * 2);
                            }
                            starts[n] = lineStart;
                            lengths[n] = length(path, physical, pos + k - lineStart);
                            numbers[n] = physical;
                            n++;
                        } else {
                            sawBlank = true;
                        }
                        lineStart = pos + k + 1;
                        physical++;
                        blank = true;
                    } else if (b != ' ' && b != '\t' && b != '\r') {
                        blank = false;
                    }
                }
                pos += read;
            }
            if (!blank) { // last line without a trailing newline
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n + 1);
                    lengths = Arrays.copyOf(lengths, n + 1);
                    numbers = Arrays.copyOf(numbers, n + 1);
                }
                starts[n] = lineStart;
                lengths[n] = length(path, physical, pos - lineStart);
                numbers[n] = physical;
                n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        return new JsonlFile(path, Arrays.copyOf(starts, n), Arrays.copyOf(lengths, n), sawBlank ? Arrays.copyOf(numbers, n) : null);
    }

    private static int length(Path path, int line, long bytes) {
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new DatasetException(new Source(path.toString(), line), null, "line longer than 2 GB");
        }
        return (int) bytes;
    }

    Path path() { return path; }

    /** Number of records (non-blank lines). */
    int size() { return starts.length; }

    /** Where record {@code i} sits in the file. */
    Source source(int i) { return new Source(name, lineNumbers == null ? i + 1 : lineNumbers[i]); }

    /**
     * The text of record {@code i}, read from disk now.
     *
     * @throws DatasetException naming the line when it is not valid UTF-8 (see {@link Utf8})
     */
    String line(int i) {
        ByteBuffer buf = ByteBuffer.allocate(lengths[i]);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long at = starts[i];
            while (buf.hasRemaining()) {
                int r = ch.read(buf, at + buf.position());
                if (r < 0) {
                    throw new DatasetException(source(i), null, "file changed on disk since it was indexed");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source(i), e);
        }
        String s = Utf8.decode(buf.array(), name, source(i).line());
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** The byte offsets of every record (exposed for tests of the lazy index). */
    long[] offsets() { return starts; }
}
