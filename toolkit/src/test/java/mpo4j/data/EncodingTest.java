package mpo4j.data;

import static mpo4j.data.Files4Test.write;
import static mpo4j.data.Files4Test.writeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 8: a file in the wrong encoding or with Mac line ends says so, with the line. */
class EncodingTest {
    private static final String LINE1 = "{\"question\": \"q1\", \"chosen\": \"c\", \"rejected\": \"r\"}";
    private static final String LINE2 = "{\"question\": \"q2\", \"chosen\": \"c\", \"rejected\": \"r\"}";

    @TempDir
    Path dir;

    private String readError(Path file) {
        return assertThrows(DatasetException.class, () -> Datasets.load(file).validate()).getMessage();
    }

    @Test
    void utf16WithAByteOrderMarkIsNamed() {
        Path f = writeBytes(dir.resolve("u16.jsonl"), ("\uFEFF" + LINE1 + "\n" + LINE2 + "\n").getBytes(StandardCharsets.UTF_16LE));
        assertEquals(f + ":1: the file is UTF-16 encoded (byte-order mark FF FE); JSON data must be UTF-8: re-save it as UTF-8",
                readError(f));
    }

    @Test
    void utf16WithoutAByteOrderMarkIsFoundByItsNulBytes() {
        Path f = writeBytes(dir.resolve("u16.jsonl"), (LINE1 + "\n").getBytes(StandardCharsets.UTF_16BE));
        // UTF-16BE "{" is 00 7B: the NUL is the first byte of line 1
        assertEquals(f + ":1: NUL byte at column 1: the file looks UTF-16 encoded (or binary); JSON data must be UTF-8:"
                + " re-save it as UTF-8", readError(f));
    }

    @Test
    void invalidUtf8NamesTheLineColumnAndBytesInsteadOfAReplacementCharacter() {
        String bad = "{\"question\": \"caf\u00e9\", \"chosen\": \"c\", \"rejected\": \"r\"}";
        byte[] latin1 = (LINE1 + "\n" + bad + "\n").getBytes(StandardCharsets.ISO_8859_1);
        Path f = writeBytes(dir.resolve("latin1.jsonl"), latin1);
        // line 2: {"question": "caf is 17 bytes, so é (0xE9, then the closing quote 0x22) is column 18
        assertEquals(f + ":2: invalid UTF-8 at column 18 (bytes E9 22): the file is probably Latin-1 or Windows-1252;"
                + " JSON data must be UTF-8: re-save it as UTF-8", readError(f));
        assertEquals("q1", Datasets.load(f).get(0).question());   // the good line still reads
    }

    @Test
    void crOnlyLineEndsAreNamed() {
        Path f = writeBytes(dir.resolve("mac.jsonl"), (LINE1 + "\r" + LINE2 + "\r").getBytes(StandardCharsets.UTF_8));
        String msg = readError(f);
        assertTrue(msg.startsWith(f + ":1: malformed JSON ("), msg);
        assertTrue(msg.endsWith("; the line holds a carriage return (\\r) without a line feed at column " + (LINE1.length() + 1)
                + ": the file seems to use CR-only line endings; JSONL lines must end with \\n or \\r\\n"), msg);
        // Windows line ends are fine
        Path crlf = writeBytes(dir.resolve("win.jsonl"), (LINE1 + "\r\n" + LINE2 + "\r\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(2, Datasets.load(crlf).validate().size());
    }

    @Test
    void aBadlyEncodedMetaJsonIsNamedToo() {
        Path m = writeBytes(dir.resolve("meta.json"), "{\"caf\u00e9\": {}}".getBytes(StandardCharsets.ISO_8859_1));
        // {"caf is 5 bytes, so é is column 6
        assertEquals(m + ":1: invalid UTF-8 at column 6 (bytes E9 22): the file is probably Latin-1 or Windows-1252;"
                + " JSON data must be UTF-8: re-save it as UTF-8", assertThrows(DatasetException.class, () -> Datasets.load(m)).getMessage());
    }

    @Test
    void anEmptyDataFileIsAnErrorUnlessAllowed() {
        Path f = write(dir.resolve("empty.jsonl"), "", "  ");
        assertEquals(f + ": no records (the file is empty or holds only blank lines); load with LoadOptions.defaults().allowEmpty(true)"
                + " if an empty dataset is intended", assertThrows(DatasetException.class, () -> Datasets.load(f)).getMessage());
        assertEquals(0, Datasets.load(f, LoadOptions.defaults().allowEmpty(true)).size());
        Path rm = write(dir.resolve("rm/empty.jsonl"), "");
        assertTrue(assertThrows(DatasetException.class, () -> Datasets.loadReward(rm)).getMessage().startsWith(rm + ": no records"));
        assertThrows(DatasetException.class, () -> Datasets.trl(f));
    }
}
