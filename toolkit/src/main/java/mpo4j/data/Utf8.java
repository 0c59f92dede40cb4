package mpo4j.data;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding of data files. A file in another encoding must fail with the encoding named,
 * not as "malformed JSON at column 4" (UTF-16) or with U+FFFD silently in the text (Latin-1).
 */
final class Utf8 {
    private Utf8() {}

    /** The problem with a file whose first bytes are a UTF-16/UTF-32 byte-order mark, or {@code null}. */
    static String byteOrderMarkProblem(byte[] head, int n) {
        if (n >= 2 && ((head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE || (head[0] & 0xFF) == 0xFE && (head[1] & 0xFF) == 0xFF)) {
            return "the file is UTF-16 encoded (byte-order mark " + hex(head, 0, 2) + "); JSON data must be UTF-8: re-save it as UTF-8";
        }
        if (n >= 4 && head[0] == 0 && head[1] == 0 && (head[2] & 0xFF) == 0xFE && (head[3] & 0xFF) == 0xFF) {
            return "the file is UTF-32 encoded (byte-order mark 00 00 FE FF); JSON data must be UTF-8: re-save it as UTF-8";
        }
        return null;
    }

    /**
     * Decodes {@code bytes}, which start at physical line {@code firstLine} of {@code file}.
     *
     * @throws DatasetException naming the line, the byte offset in it and the likely encoding, for NUL
     *         bytes (UTF-16 without a byte-order mark) and invalid UTF-8 sequences
     */
    static String decode(byte[] bytes, String file, long firstLine) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new DatasetException(at(bytes, i, file, firstLine), null, "NUL byte at column " + column(bytes, i)
                        + ": the file looks UTF-16 encoded (or binary); JSON data must be UTF-8: re-save it as UTF-8");
            }
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int bad = in.position();
            throw new DatasetException(at(bytes, bad, file, firstLine), null, "invalid UTF-8 at column " + column(bytes, bad)
                    + " (bytes " + hex(bytes, bad, Math.min(bytes.length, bad + Math.max(result.length(), 2))) + "): the file is probably"
                    + " Latin-1 or Windows-1252; JSON data must be UTF-8: re-save it as UTF-8");
        }
        out.flip();
        return out.toString();
    }

    /** The physical line holding byte {@code offset}. */
    private static Source at(byte[] bytes, int offset, String file, long firstLine) {
        long line = firstLine;
        for (int i = 0; i < offset; i++) if (bytes[i] == '\n') line++;
        return new Source(file, line);
    }

    /** 1-based byte column of {@code offset} within its line. */
    private static int column(byte[] bytes, int offset) {
        int start = offset;
        while (start > 0 && bytes[start - 1] != '\n') start--;
        return offset - start + 1;
    }

    private static String hex(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(String.format("%02X", bytes[i] & 0xFF));
        }
        return sb.toString();
    }
}
